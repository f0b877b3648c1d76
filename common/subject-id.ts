import { SUBJECT_TYPES, type Subject, type SubjectType } from './wire.ts';

/**
 * What a well-formed identifier of each type looks like, for every place an official types one
 * (trace, exposure case lists, identity imports) and for the kiosk's second identifier. Case and
 * spaces are normalised first: a CCCD read aloud and typed as "079 303 001 234" is the same person.
 */
const SHAPES: Record<SubjectType, { pattern: RegExp; says: string }> = {
  cccd: { pattern: /^\d{12}$/, says: '12 digits' },
  cmnd: { pattern: /^(\d{9}|\d{12})$/, says: '9 digits (or 12 for the 2012-2016 cards)' },
  passport: { pattern: /^[A-Z0-9]{6,12}$/, says: '6-12 capital letters or digits' },
  qid: { pattern: /^[A-Za-z0-9_-]{6,64}$/, says: '6-64 letters, digits, - or _' },
  bhyt: { pattern: /^([A-Z]{2}\d{13}|\d{10})$/, says: '15 characters (2 letters, 13 digits) or the 10-digit social-security number' },
  dcc: { pattern: /^[\x21-\x7E]{1,128}$/, says: '1-128 printable ASCII characters' },
  other: { pattern: /^[\x21-\x7E]{1,128}$/, says: '1-128 printable ASCII characters' },
};

const SPACES_OR_DOTS = /[\s.]/;

export function normaliseSubjectId(type: SubjectType, id: string): string {
  // Tracing keys every identifier of thousands of rows, nearly all stored normalised already: a
  // test allocates nothing, where a replace makes a new string each time.
  const compact = SPACES_OR_DOTS.test(id) ? id.replace(/[\s.]/g, '') : id;
  return type === 'passport' || type === 'bhyt' ? compact.toUpperCase() : compact;
}

/** A problem an official can fix, or undefined when the identifier has its type's shape. */
export function subjectIdProblem(type: SubjectType, id: string): string | undefined {
  const shape = SHAPES[type];
  return shape.pattern.test(id) ? undefined : `a ${type} number is ${shape.says}`;
}

export type SubjectParse = { ok: true; subject: Subject } | { ok: false; problem: string };

/** Reads `TYPE:ID` (e.g. `cccd:079303001234`) as typed on a command line, in a URL or a cases file. */
export function parseSubjectText(text: string): SubjectParse {
  const colon = text.indexOf(':');
  if (colon < 0) return { ok: false, problem: `expected TYPE:ID, e.g. cccd:079303001234 (types: ${SUBJECT_TYPES.join(', ')})` };
  const type = text.slice(0, colon).trim().toLowerCase();
  if (!(SUBJECT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, problem: `unknown subject type "${type.slice(0, 20)}": use one of ${SUBJECT_TYPES.join(', ')}` };
  }
  const id = normaliseSubjectId(type as SubjectType, text.slice(colon + 1));
  const problem = subjectIdProblem(type as SubjectType, id);
  return problem ? { ok: false, problem } : { ok: true, subject: { type: type as SubjectType, id } };
}

/** The text both the blind index and the audit hash are computed over: one spelling per identifier. */
export const subjectKeyText = (s: Subject): string => `${s.type}:${normaliseSubjectId(s.type, s.id)}`;
