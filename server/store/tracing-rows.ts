import type { Direction } from '../../common/verdict.ts';
import type { Subject } from '../../common/wire.ts';
import type { Role } from '../http/roles.ts';
import type { AuditAction, AuditRecord, TokenRow, TraceEntry } from './tracing.ts';

/** Rows of the tracing tables as both engines return them, and the values the TracingStore hands out. */

export interface TokenDbRow {
  id: string;
  hash: string;
  role: Role;
  venue_id: string | null;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface AuditDbRow {
  seq: number;
  at: number;
  actor: string;
  role: Role;
  action: AuditAction;
  subject_hash: string | null;
  from_ms: number | null;
  to_ms: number | null;
  result_count: number;
  detail: string;
}

export interface TraceDbRow {
  entry_id: string;
  venue_id: string;
  at: number;
  direction: Direction;
  subject_type: Subject['type'] | null;
  subject_id: string | null;
  alt_type: Subject['type'] | null;
  alt_id: string | null;
  sealed_subject: string | null;
  blind_index: string | null;
  blind_alt: string | null;
}

export const tokenOf = (r: TokenDbRow): TokenRow => ({
  id: r.id,
  hash: r.hash,
  role: r.role,
  createdAt: r.created_at,
  ...(r.venue_id === null ? {} : { venueId: r.venue_id }),
  ...(r.label === null ? {} : { label: r.label }),
  ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
});

export const auditOf = (r: AuditDbRow): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  role: r.role,
  action: r.action,
  subjectHash: r.subject_hash,
  fromMs: r.from_ms,
  toMs: r.to_ms,
  resultCount: r.result_count,
  detail: JSON.parse(r.detail) as AuditRecord['detail'],
});

export const traceEntryOf = (r: TraceDbRow): TraceEntry => ({
  entryId: r.entry_id,
  venueId: r.venue_id,
  at: r.at,
  direction: r.direction,
  subject: r.subject_type && r.subject_id ? { type: r.subject_type, id: r.subject_id } : null,
  altSubject: r.alt_type && r.alt_id ? { type: r.alt_type, id: r.alt_id } : null,
  sealedSubject: r.sealed_subject,
  blindIndex: r.blind_index,
  blindAlt: r.blind_alt,
});

/** Registry rows grouped by person, as both engines answer subjectsOfPersons. */
export function subjectsByPerson(rows: ReadonlyArray<{ type: Subject['type']; id: string; person_id: string }>): Map<string, Subject[]> {
  const byPerson = new Map<string, Subject[]>();
  for (const r of rows) {
    const list = byPerson.get(r.person_id);
    if (list) list.push({ type: r.type, id: r.id });
    else byPerson.set(r.person_id, [{ type: r.type, id: r.id }]);
  }
  return byPerson;
}
