import type { Credential } from './types.ts';
import { unreadable } from './types.ts';
import { isPlausibleName, maskName, parseVnDate } from './text.ts';

/**
 * QR on the back of the chip ID card (CCCD, from 2021; "thẻ căn cước" from 2024):
 *   SoCCCD|SoCMND|HoTen|NgaySinh(ddmmyyyy)|GioiTinh|NoiThuongTru|NgayCap(ddmmyyyy)
 * Newer cards append four more fields (11 in all); tracing needs none of them, so fields 8-11 are
 * checked for count only. Only the ID number leaves this function: name masked, address and date
 * of birth dropped (privacy: never written to disk).
 *
 * The 12-digit number encodes province (3), century+sex (1), year of birth (2), serial (6)
 * (Circular 07/2016/TT-BCA, Art. 7); checking it against the printed birth date catches misreads.
 */
export const CCCD_FIELD_COUNTS = [7, 11] as const;

/**
 * A 12-digit number first and, when present, an 8-digit date fourth: the card's shape, even when
 * truncated or over-long (then `parseCccd` names the field count instead of guessing another format).
 */
export function looksLikeCccd(fields: readonly string[]): boolean {
  if (!/^\d{12}$/.test(fields[0] ?? '')) return false;
  return (CCCD_FIELD_COUNTS as readonly number[]).includes(fields.length) || /^\d{8}$/.test(fields[3] ?? '');
}

export function parseCccd(fields: readonly string[]): Credential {
  const [id = '', oldId = '', name = '', dob = '', sex = '', , issued = ''] = fields;
  const fail = (problem: string) => unreadable(`CCCD QR: ${problem}`, 'vn-cccd');
  if (!(CCCD_FIELD_COUNTS as readonly number[]).includes(fields.length)) {
    return fail(`${fields.length} fields, expected 7 or 11 (truncated or over-long QR)`);
  }
  if (!/^\d{12}$/.test(id)) return fail('field 1 (ID number) must be 12 digits');
  if (oldId !== '' && !/^\d{9}$/.test(oldId)) return fail('field 2 (old CMND number) must be 9 digits or empty');
  if (!isPlausibleName(name)) return fail('field 3 (name) is not a name');
  const birth = parseVnDate(dob);
  if (!birth) return fail('field 4 (date of birth) is not a ddmmyyyy date');
  const isMale = sex === 'Nam';
  if (!isMale && sex !== 'Nữ') return fail('field 5 (sex) must be "Nam" or "Nữ"');
  if (!parseVnDate(issued)) return fail('field 7 (issue date) is not a ddmmyyyy date');
  const code = Number(id[3]);
  const century = 1900 + 100 * Math.floor(code / 2);
  const birthYear = Number(birth.slice(0, 4));
  if (century + Number(id.slice(4, 6)) !== birthYear) return fail('ID number does not match the date of birth');
  if ((code % 2 === 0) !== isMale) return fail('ID number does not match the sex field');
  return {
    format: 'vn-cccd',
    assurance: 'identity-only',
    subject: { type: 'cccd', id },
    // The old 9-digit CMND number: a case registered under it before 2021 is the same person.
    ...(oldId === '' ? {} : { altSubject: { type: 'cmnd' as const, id: oldId } }),
    displayName: maskName(name),
    reasons: [],
    facts: { fieldCount: fields.length, province: id.slice(0, 3) },
  };
}
