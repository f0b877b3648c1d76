import { stringify } from 'csv-stringify/sync';
import { VN_OFFSET_MS } from './report.ts';
import type { TraceResult } from './tracing.ts';

/**
 * CSV for a spreadsheet: UTF-8 with a byte-order mark (Excel otherwise reads Vietnamese as
 * Windows-1252), Vietnamese headers, times in Vietnam time, one row per contact.
 */
export const BOM = '\uFEFF';

/** 2021-09-01T01:30:00.000Z → "01/09/2021 08:30" (Vietnam time, as officials write it). */
export function vnTime(iso: string): string {
  const d = new Date(Date.parse(iso) + VN_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export const TRACE_CSV_HEADERS = ['Mức tiếp xúc', 'Loại giấy tờ', 'Số giấy tờ', 'Mã địa điểm', 'Tên địa điểm', 'Thời điểm có mặt (giờ VN)', 'Thời gian trùng (phút)'];

/** Cells starting with = + - @ are prefixed with ' so a spreadsheet never runs them as formulas. */
export const safeCell = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function traceCsv(result: TraceResult): string {
  const rows = result.contacts.map((c) => [
    c.degree,
    c.subject?.type ?? 'niêm phong',
    c.subject ? safeCell(c.subject.id) : '',
    safeCell(c.venueId),
    safeCell(c.venueName),
    vnTime(c.at),
    Math.round(c.overlapMs / 60_000),
  ]);
  return BOM + stringify([TRACE_CSV_HEADERS, ...rows], { record_delimiter: 'windows' });
}
