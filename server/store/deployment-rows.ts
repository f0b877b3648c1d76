import type { VenueKind } from '../../common/wire.ts';
import { VN_OFFSET_MS } from '../services/report.ts';
import type { VenueLocation } from '../services/admin-units.ts';

/** A venue row with its administrative location, as both engines return it. */
export interface VenueRow {
  id: string;
  name: string;
  kind: VenueKind;
  province_code: string | null;
  district_code: string | null;
  commune_code: string | null;
}

export const locationOf = (r: Pick<VenueRow, 'province_code' | 'district_code' | 'commune_code'>): VenueLocation | null =>
  r.province_code && r.district_code && r.commune_code ? { provinceCode: r.province_code, districtCode: r.district_code, communeCode: r.commune_code } : null;

/** The hour a heartbeat belongs to in the compact history (its primary key with the device). */
export const hourOf = (ms: number): number => Math.floor(ms / 3600_000);

/**
 * The Vietnam days [from, to) of a report range, as the daily roll-up numbers them (days since
 * 1970-01-01 after shifting to UTC+7). A month's range starts and ends at Vietnam midnight; a range
 * that did not would be widened to whole days, the roll-up's grain.
 */
export const dayBounds = (q: { fromMs: number; toMs: number }): [number, number] => [Math.floor((q.fromMs + VN_OFFSET_MS) / 86_400_000), Math.ceil((q.toMs + VN_OFFSET_MS) / 86_400_000)];
