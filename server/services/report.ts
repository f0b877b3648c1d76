import { KioskError } from '../../common/errors.ts';
import type { SeqRange } from '../../common/wire.ts';

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

/** A report's figures as the engine's queries count them (SUMs are null over no rows). */
export type RawFigures = { [K in keyof Omit<DayFigures, 'date'>]: number | null };

/** Shapes a report from the per-day rows, the totals and the per-device counts one engine's queries gave. */
export function shapeVenueReport(
  venue: { id: string; name: string },
  range: { from: string; to: string },
  days: ReadonlyArray<{ date: string } & RawFigures>,
  totals: RawFigures | undefined,
  devices: Array<{ deviceId: string; entries: number; gaps: SeqRange[] }>,
  now: number,
): VenueReport {
  const fill = (f: RawFigures | undefined): Omit<DayFigures, 'date'> => ({
    entries: Number(f?.entries ?? 0),
    exits: Number(f?.exits ?? 0),
    allowed: Number(f?.allowed ?? 0),
    denied: Number(f?.denied ?? 0),
    warned: Number(f?.warned ?? 0),
    unreadable: Number(f?.unreadable ?? 0),
    offlineDecisions: Number(f?.offlineDecisions ?? 0),
    distinctPeople: Number(f?.distinctPeople ?? 0),
  });
  return {
    venueId: venue.id,
    venueName: venue.name,
    period: { from: range.from, to: range.to, timezone: 'Asia/Ho_Chi_Minh' },
    days: days.map((d) => ({ date: d.date, ...fill(d) })),
    totals: fill(totals),
    devices,
    generatedAt: now,
  };
}

export function reportRange(period: { month: string } | { date: string }): { fromMs: number; toMs: number; from: string; to: string } {
  return 'month' in period ? monthRange(period.month) : dayRange(period.date);
}
