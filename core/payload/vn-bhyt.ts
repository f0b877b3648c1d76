import type { Credential } from './types.ts';
import { unreadable } from './types.ts';
import { isPlausibleName, maskName, parseVnDate } from './text.ts';

/**
 * QR on the health-insurance card (thẻ BHYT, Vietnam Social Security, cards issued from 2018):
 *   MaThe|HoTen(hex UTF-8)|NgaySinh|GioiTinh|DiaChi(hex UTF-8)|MaKCBBD|TuNgay|DenNgay|NgayCap|MaQuanLy|TenChaMe|MaKiemTra|$
 * Name and address are hex-encoded UTF-8, so a keyboard-wedge scanner carries them intact.
 * The 15-character card number is: beneficiary group (2 letters), benefit level (1-5), province
 * (2 digits), social-security number (10 digits); the last ten identify the person for life and are
 * what tracing keeps. The address and date of birth never leave this function.
 */
export const BHYT_MIN_FIELDS = 10;
export const BHYT_MAX_FIELDS = 16;

const CARD = /^([A-Z]{2})([1-5])(\d{2})(\d{10})$/;

export function looksLikeBhyt(fields: readonly string[]): boolean {
  return CARD.test(fields[0] ?? '');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Hex → UTF-8 text; undefined unless it is whole bytes of valid UTF-8. */
export function decodeHexUtf8(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  try {
    return utf8.decode(bytes).normalize('NFC');
  } catch {
    return undefined;
  }
}

export function parseBhyt(fields: readonly string[]): Credential {
  const fail = (problem: string) => unreadable(`BHYT QR: ${problem}`, 'vn-bhyt');
  // The published layout ends in a `$` terminator; scanners and older cards may drop it.
  const body = fields.at(-1) === '$' ? fields.slice(0, -1) : fields;
  if (body.length < BHYT_MIN_FIELDS || body.length > BHYT_MAX_FIELDS) {
    return fail(`${body.length} fields, expected ${BHYT_MIN_FIELDS}-${BHYT_MAX_FIELDS} (truncated or over-long QR)`);
  }
  const [card = '', nameHex = '', dob = '', sex = '', addressHex = '', , validFrom = '', validTo = ''] = body;
  const m = CARD.exec(card);
  if (!m) return fail('field 1 (card number) must be 2 capitals, a benefit level 1-5, 2 province digits and 10 digits');
  const [, group = '', level = '', province = '', ssn = ''] = m;
  const name = decodeHexUtf8(nameHex);
  if (name === undefined) return fail('field 2 (name) is not hex-encoded UTF-8');
  if (!isPlausibleName(name)) return fail('field 2 (name) does not decode to a name');
  if (!/^\d{4}$/.test(dob) && !parseVnDate(dob)) return fail('field 3 (date of birth) must be dd/mm/yyyy or yyyy');
  if (sex !== '1' && sex !== '2' && sex !== '0') return fail('field 4 (sex) must be 1 (male), 2 (female) or 0');
  if (decodeHexUtf8(addressHex) === undefined) return fail('field 5 (address) is not hex-encoded UTF-8');
  const from = parseVnDate(validFrom);
  if (!from) return fail('field 7 (valid from) is not a dd/mm/yyyy date');
  const to = validTo === '-' || validTo === '' ? undefined : parseVnDate(validTo);
  if (validTo !== '-' && validTo !== '' && !to) return fail('field 8 (valid to) must be a dd/mm/yyyy date or -');
  return {
    format: 'vn-bhyt',
    assurance: 'identity-only',
    subject: { type: 'bhyt', id: ssn },
    displayName: maskName(name),
    reasons: [],
    facts: { group, benefitLevel: Number(level), province, validFrom: from, ...(to ? { validTo: to } : {}) },
  };
}
