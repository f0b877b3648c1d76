import type Database from 'better-sqlite3';
import { KioskError } from '../common/errors.ts';
import type { SeqRange } from '../common/wire.ts';

/**
 * Per-venue entry/exit reports, the monthly report the provincial directives require, with a daily
 * breakdown. Days are Vietnam days (UTC+7, no daylight saving). An entry counts at its repaired
 * time when the kiosk's clock was wrong (`corrected_at`), else at the time the kiosk recorded.
 */
export const VN_OFFSET_MS = 7 * 3600_000;

export interface DayFigures {
  date: string;
  entries: number;
  exits: number;
  allowed: number;
  denied: number;
  warned: number;
  unreadable: number;
  offlineDecisions: number;
  /** Distinct people who came in (sealed subjects are not counted: the venue cannot see them). */
  distinctPeople: number;
}

export interface VenueReport {
  venueId: string;
  venueName: string;
  period: { from: string; to: string; timezone: 'Asia/Ho_Chi_Minh' };
  days: DayFigures[];
  totals: Omit<DayFigures, 'date'>;
  devices: Array<{ deviceId: string; entries: number; gaps: SeqRange[] }>;
  generatedAt: number;
}

export function monthRange(month: string): { fromMs: number; toMs: number; from: string; to: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(m?.[1]);
  const mon = Number(m?.[2]);
  if (!m || mon < 1 || mon > 12 || year < 2000 || year > 2100) throw new KioskError('bad-request', `month must be YYYY-MM, got "${month}"`);
  const fromMs = Date.UTC(year, mon - 1, 1) - VN_OFFSET_MS;
  const toMs = Date.UTC(year, mon, 1) - VN_OFFSET_MS;
  return { fromMs, toMs, from: `${month}-01`, to: new Date(toMs + VN_OFFSET_MS - 86_400_000).toISOString().slice(0, 10) };
}

export function dayRange(date: string): { fromMs: number; toMs: number; from: string; to: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) throw new KioskError('bad-request', `date must be YYYY-MM-DD, got "${date}"`);
  return { fromMs: ms - VN_OFFSET_MS, toMs: ms - VN_OFFSET_MS + 86_400_000, from: date, to: date };
}

export function venueReport(
  db: Database.Database,
  venue: { id: string; name: string },
  range: { fromMs: number; toMs: number; from: string; to: string },
  gapsOf: (deviceId: string) => SeqRange[],
  now: number,
): VenueReport {
  const at = 'COALESCE(corrected_at, recorded_at)';
  const figures = `
    SUM(direction = 'in') AS entries, SUM(direction = 'out') AS exits,
    SUM(verdict = 'allow') AS allowed, SUM(verdict = 'deny') AS denied, SUM(verdict = 'warn') AS warned,
    SUM(',' || reasons || ',' LIKE '%,unreadable,%') AS unreadable, SUM(source = 'offline') AS offlineDecisions,
    COUNT(DISTINCT CASE WHEN direction = 'in' THEN subject_type || ':' || subject_id END) AS distinctPeople`;
  const where = `venue_id = ? AND ${at} >= ? AND ${at} < ?`;
  const days = db
    .prepare(`SELECT date((${at} + ?) / 1000, 'unixepoch') AS date, ${figures} FROM entries WHERE ${where} GROUP BY 1 ORDER BY 1`)
    .all(VN_OFFSET_MS, venue.id, range.fromMs, range.toMs) as DayFigures[];
  const totals = db.prepare(`SELECT ${figures} FROM entries WHERE ${where}`).get(venue.id, range.fromMs, range.toMs) as Omit<DayFigures, 'date'>;
  const devices = (
    db.prepare(`SELECT device_id AS deviceId, COUNT(*) AS entries FROM entries WHERE ${where} GROUP BY 1 ORDER BY 1`).all(venue.id, range.fromMs, range.toMs) as Array<{
      deviceId: string;
      entries: number;
    }>
  ).map((d) => ({ ...d, gaps: gapsOf(d.deviceId) }));
  const zero = (x: number | null) => x ?? 0;
  return {
    venueId: venue.id,
    venueName: venue.name,
    period: { from: range.from, to: range.to, timezone: 'Asia/Ho_Chi_Minh' },
    days,
    totals: {
      entries: zero(totals.entries),
      exits: zero(totals.exits),
      allowed: zero(totals.allowed),
      denied: zero(totals.denied),
      warned: zero(totals.warned),
      unreadable: zero(totals.unreadable),
      offlineDecisions: zero(totals.offlineDecisions),
      distinctPeople: zero(totals.distinctPeople),
    },
    devices,
    generatedAt: now,
  };
}
