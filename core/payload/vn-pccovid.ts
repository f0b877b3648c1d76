import type { SubjectType } from '../../common/wire.ts';
import type { Credential } from './types.ts';
import { unreadable } from './types.ts';
import { maskName, parseVnDate } from './text.ts';

/**
 * Personal QR of PC-COVID / VNeID, Decision 1405/QĐ-BTTTT (2021):
 *   SoGiayTo|HoTen|NgaySinh|LoaiDinhDanh|QID|EXT
 * SoGiayTo (document number) and HoTen may arrive masked with `*`; QID identifies the QR and is
 * what the status lookup uses when the number is masked. EXT is an extension part (key=value;…)
 * kept only as a count of its entries.
 */
export const PCCOVID_FIELD_COUNT = 6;

const TYPE_ALIASES: Record<string, SubjectType> = {
  CCCD: 'cccd',
  '1': 'cccd',
  DD: 'cccd',
  CMND: 'cmnd',
  '2': 'cmnd',
  HC: 'passport',
  HOCHIEU: 'passport',
  PASSPORT: 'passport',
  '3': 'passport',
};

export function looksLikePcCovid(fields: readonly string[]): boolean {
  return fields.length === PCCOVID_FIELD_COUNT;
}

export function parsePcCovid(fields: readonly string[]): Credential {
  const [number = '', name = '', dob = '', kind = '', qid = '', ext = ''] = fields;
  const fail = (problem: string) => unreadable(`PC-COVID QR: ${problem}`, 'vn-pccovid');
  if (!/^[0-9A-Z*]{6,20}$/.test(number)) return fail('field 1 (document number) must be 6-20 digits, capitals or *');
  if (!/^[\p{L}\p{M}*][\p{L}\p{M}* '.-]{0,99}$/u.test(name.trim())) return fail('field 2 (name) is not a name');
  if (dob !== '' && !/^\d{4}$/.test(dob) && !parseVnDate(dob)) {
    return fail('field 3 (date of birth) must be dd/mm/yyyy, ddmmyyyy, yyyy or empty');
  }
  const type = TYPE_ALIASES[kind.trim().toUpperCase()];
  if (!type) return fail(`field 4 (document type) "${kind}" is not one of CCCD, CMND, HC`);
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(qid)) return fail('field 5 (QID) must be 6-64 letters, digits, - or _');
  if (ext.length > 512) return fail('field 6 (EXT) is longer than 512 characters');
  const isMasked = number.includes('*');
  return {
    format: 'vn-pccovid',
    assurance: 'identity-only',
    subject: isMasked ? { type: 'qid', id: qid } : { type, id: number },
    // Unmasked, the QR names the person twice: the document number for lookups, the QID for tracing.
    ...(isMasked ? {} : { altSubject: { type: 'qid' as const, id: qid } }),
    displayName: maskName(name.replaceAll('*', '')),
    reasons: [],
    facts: { isMasked, extEntries: ext === '' ? 0 : ext.split(';').length },
  };
}
