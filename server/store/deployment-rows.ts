import type { VenueKind } from '../../common/wire.ts';
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
