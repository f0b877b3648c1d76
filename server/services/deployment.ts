import { stringify } from 'csv-stringify/sync';
import { KioskError } from '../../common/errors.ts';
import { VENUE_KINDS, type VenueKind } from '../../common/wire.ts';
import type { DeploymentFigures, DeploymentStore } from '../store/deployment.ts';
import { adminUnits, NO_LOCATION_VI, type AdminUnits, type VenueLocation } from './admin-units.ts';
import { monthRange, VN_OFFSET_MS } from './report.ts';

/**
 * The monthly deployment report a district or province sends to the People's Committee through
 * the Department of Information and Communications (issue 14): per commune, venues by kind,
 * venues whose kiosks uploaded, entries per day, silent kiosks, the oldest backlog, and the share
 * of communes with no venue at all. Rules only: the figures come from a DeploymentStore.
 */

/** A kiosk with no batch and no heartbeat for this long at the end of the month counts as silent. */
export const SILENT_AFTER_MS = 24 * 3600_000;

export const VENUE_KIND_VI: Record<VenueKind, string> = {
  hospital: 'Bệnh viện, cơ sở y tế',
  'bus-station': 'Bến xe, nhà ga',
  school: 'Trường học',
  factory: 'Nhà máy, khu công nghiệp',
  market: 'Chợ',
  office: 'Văn phòng, công sở',
  supermarket: 'Siêu thị, trung tâm thương mại',
  government: 'Cơ quan nhà nước',
  other: 'Địa điểm khác',
};

export interface AreaFigures {
  venues: number;
  venuesByKind: Record<VenueKind, number>;
  /** Venues with at least one kiosk that delivered a batch during the month. */
  venuesUploaded: number;
  kiosks: number;
  /** Kiosks with no batch and no heartbeat in the 24 h before the end of the month (or now, for this month). */
  silentKiosks: number;
  entries: number;
  /** Entries per day, one number per date of `days`. */
  entriesPerDay: number[];
  /** The oldest un-uploaded entry any kiosk reported during the month, in ms; null when none was reported. */
  oldestBacklogMs: number | null;
}

export interface CommuneRow extends AreaFigures {
  districtCode: string;
  districtName: string;
  communeCode: string;
  communeName: string;
}

export interface DistrictRow extends AreaFigures {
  districtCode: string;
  districtName: string;
  communes: number;
  communesWithoutVenue: number;
  /** communesWithoutVenue / communes, 0..1 (rounded to 4 places). */
  shareWithoutVenue: number;
}

export interface DeploymentReport {
  province: { code: string; name: string };
  district: { code: string; name: string } | null;
  month: string;
  period: { from: string; to: string; timezone: 'Asia/Ho_Chi_Minh' };
  /** The instant silence is measured at: the end of the month, or now for the current month. */
  silentAt: number;
  days: string[];
  communes: CommuneRow[];
  districts: DistrictRow[];
  totals: Omit<DistrictRow, 'districtCode' | 'districtName'>;
  /** Venues without a location ("chưa có địa bàn") anywhere: they are in no province's figures. */
  unlocatedVenues: number;
  generatedAt: number;
}

export interface DeploymentRequest {
  province: string;
  month: string;
  district?: string;
}

/** Checks a report request against the register and the clock; errors name the field. */
export function checkDeploymentRequest(
  req: DeploymentRequest,
  now: number,
  units: AdminUnits = adminUnits(),
): { province: { code: string; name: string }; district: { code: string; name: string } | null; range: ReturnType<typeof monthRange> } {
  let range: ReturnType<typeof monthRange>;
  try {
    range = monthRange(req.month);
  } catch (err) {
    throw new KioskError('bad-request', `month: must be YYYY-MM (for example 2021-10), got "${req.month.slice(0, 40)}"`, { cause: err, details: { field: 'month' } });
  }
  if (range.fromMs > now) {
    throw new KioskError('bad-request', `month: ${req.month} has not started yet (Vietnam time); choose this month or an earlier one`, { details: { field: 'month' } });
  }
  const province = units.province(req.province);
  const district = req.district === undefined ? null : units.district(req.district, province.code);
  return { province: { code: province.code, name: province.name }, district: district && { code: district.code, name: district.name }, range };
}

const emptyKinds = (): Record<VenueKind, number> => Object.fromEntries(VENUE_KINDS.map((k) => [k, 0])) as Record<VenueKind, number>;

function emptyFigures(days: number): AreaFigures {
  return { venues: 0, venuesByKind: emptyKinds(), venuesUploaded: 0, kiosks: 0, silentKiosks: 0, entries: 0, entriesPerDay: new Array<number>(days).fill(0), oldestBacklogMs: null };
}

function addInto(into: AreaFigures, from: AreaFigures): void {
  into.venues += from.venues;
  for (const k of VENUE_KINDS) into.venuesByKind[k] += from.venuesByKind[k];
  into.venuesUploaded += from.venuesUploaded;
  into.kiosks += from.kiosks;
  into.silentKiosks += from.silentKiosks;
  into.entries += from.entries;
  from.entriesPerDay.forEach((n, i) => (into.entriesPerDay[i] = (into.entriesPerDay[i] ?? 0) + n));
  if (from.oldestBacklogMs !== null) into.oldestBacklogMs = Math.max(into.oldestBacklogMs ?? 0, from.oldestBacklogMs);
}

export function datesOf(range: { fromMs: number; toMs: number }): string[] {
  const days: string[] = [];
  for (let t = range.fromMs; t < range.toMs; t += 86_400_000) days.push(new Date(t + VN_OFFSET_MS).toISOString().slice(0, 10));
  return days;
}

/** Is this kiosk silent at `at`: in service (enrolled, not revoked) and not heard from for 24 h. */
export function isSilent(d: { enrolledAt: number; revokedAt: number | null; lastContactAt: number | null }, at: number): boolean {
  if (d.enrolledAt >= at || (d.revokedAt !== null && d.revokedAt <= at)) return false;
  // A kiosk enrolled less than 24 h ago and never heard from is not silent yet.
  return (d.lastContactAt ?? d.enrolledAt) < at - SILENT_AFTER_MS;
}

/** Shapes the store's raw figures into rows: every commune of the area, venue or not. */
export function shapeDeploymentReport(
  checked: ReturnType<typeof checkDeploymentRequest>,
  month: string,
  figures: DeploymentFigures,
  now: number,
  units: AdminUnits = adminUnits(),
): DeploymentReport {
  const { province, district, range } = checked;
  const days = datesOf(range);
  const silentAt = Math.min(range.toMs, now);
  const rows = new Map<string, CommuneRow>();
  for (const c of units.communesOf(province.code, district?.code)) {
    const d = units.districts.get(c.districtCode);
    rows.set(c.code, { districtCode: c.districtCode, districtName: d?.name ?? '', communeCode: c.code, communeName: c.name, ...emptyFigures(days.length) });
  }
  const uploaded = new Set(figures.uploadedVenueIds);
  for (const v of figures.venues) {
    const row = rows.get(v.communeCode);
    if (!row) continue;
    row.venues++;
    row.venuesByKind[v.kind]++;
    if (uploaded.has(v.venueId)) row.venuesUploaded++;
  }
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  for (const e of figures.entriesPerDay) {
    const row = rows.get(e.communeCode);
    const i = dayIndex.get(e.date);
    if (!row || i === undefined) continue;
    row.entriesPerDay[i] = (row.entriesPerDay[i] ?? 0) + Number(e.entries);
    row.entries += Number(e.entries);
  }
  for (const k of figures.devices) {
    const row = rows.get(k.communeCode);
    if (!row) continue;
    const inService = k.revokedAt === null || k.revokedAt > silentAt;
    if (inService) row.kiosks++;
    if (isSilent(k, silentAt)) row.silentKiosks++;
    if (k.maxBacklogAgeMs !== null) row.oldestBacklogMs = Math.max(row.oldestBacklogMs ?? 0, Number(k.maxBacklogAgeMs));
  }
  const communes = [...rows.values()];
  const byDistrict = new Map<string, DistrictRow>();
  const blank = (code: string, name: string): DistrictRow => ({ districtCode: code, districtName: name, communes: 0, communesWithoutVenue: 0, shareWithoutVenue: 0, ...emptyFigures(days.length) });
  const totals = blank('', '');
  for (const c of communes) {
    let d = byDistrict.get(c.districtCode);
    if (!d) byDistrict.set(c.districtCode, (d = blank(c.districtCode, c.districtName)));
    for (const into of [d, totals]) {
      into.communes++;
      if (c.venues === 0) into.communesWithoutVenue++;
      addInto(into, c);
    }
  }
  const share = (r: DistrictRow) => (r.shareWithoutVenue = r.communes === 0 ? 0 : Math.round((r.communesWithoutVenue / r.communes) * 10_000) / 10_000);
  for (const d of byDistrict.values()) share(d);
  share(totals);
  const { districtCode: _c, districtName: _n, ...total } = totals;
  return {
    province,
    district,
    month,
    period: { from: range.from, to: range.to, timezone: 'Asia/Ho_Chi_Minh' },
    silentAt,
    days,
    communes,
    districts: [...byDistrict.values()],
    totals: total,
    unlocatedVenues: figures.unlocatedVenues,
    generatedAt: now,
  };
}

/** The whole report: checks, one store call, shaping. */
export async function deploymentReport(store: DeploymentStore, req: DeploymentRequest, now: number): Promise<DeploymentReport> {
  const checked = checkDeploymentRequest(req, now);
  const figures = await store.deploymentFigures({
    provinceCode: checked.province.code,
    ...(checked.district ? { districtCode: checked.district.code } : {}),
    fromMs: checked.range.fromMs,
    toMs: checked.range.toMs,
  });
  return shapeDeploymentReport(checked, req.month, figures, now);
}

const hours = (ms: number | null): string => (ms === null ? '' : (ms / 3600_000).toFixed(1));

/**
 * What an official pastes into the monthly report: UTF-8 with a BOM (Excel opens it as UTF-8),
 * Vietnamese headers, one row per commune, a total row last.
 */
export function deploymentCsv(r: DeploymentReport): string {
  const header = [
    'Mã quận/huyện',
    'Quận/huyện',
    'Mã xã/phường',
    'Xã/phường/thị trấn',
    'Số địa điểm đăng ký',
    ...VENUE_KINDS.map((k) => VENUE_KIND_VI[k]),
    'Địa điểm có thiết bị gửi dữ liệu trong tháng',
    'Số thiết bị',
    'Thiết bị im lặng > 24 giờ cuối tháng',
    'Tồn đọng chưa gửi lâu nhất (giờ)',
    'Tổng lượt vào',
    ...r.days.map((d) => `Lượt vào ${d.slice(8, 10)}/${d.slice(5, 7)}`),
  ];
  const line = (code: string, name: string, cCode: string, cName: string, f: AreaFigures) => [
    code,
    name,
    cCode,
    cName,
    f.venues,
    ...VENUE_KINDS.map((k) => f.venuesByKind[k]),
    f.venuesUploaded,
    f.kiosks,
    f.silentKiosks,
    hours(f.oldestBacklogMs),
    f.entries,
    ...f.entriesPerDay,
  ];
  const rows = r.communes.map((c) => line(c.districtCode, c.districtName, c.communeCode, c.communeName, c));
  const pct = (r.totals.shareWithoutVenue * 100).toFixed(1);
  rows.push(line('', `Tổng ${r.district?.name ?? r.province.name}`, '', `${r.totals.communesWithoutVenue}/${r.totals.communes} xã chưa có địa điểm (${pct}%)`, r.totals));
  return `\uFEFF${stringify([header, ...rows])}`;
}

/** A venue's location as words, or "chưa có địa bàn". */
export function describeLocation(location: VenueLocation | null, units: AdminUnits = adminUnits()): string {
  if (!location) return NO_LOCATION_VI;
  const c = units.communes.get(location.communeCode);
  const d = units.districts.get(location.districtCode);
  const p = units.provinces.get(location.provinceCode);
  return [c?.name, d?.name, p?.name].filter(Boolean).join(', ');
}
