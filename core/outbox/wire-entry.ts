import { stringify as stringifyUuid } from 'uuid';
import { KioskError } from '../../common/errors.ts';
import { wireEntrySchema, type WireEntry } from '../../common/wire.ts';

/** One row of `entries`, with its boot's id and that boot's time anchor (null when none yet). */
export interface EntryRow {
  seq: number;
  boot: number;
  entry_id: Uint8Array;
  recorded_at: number;
  boot_id: string;
  mono_ms: number;
  clock_synced: number;
  direction: string;
  format: string;
  verdict: string;
  /** Comma-joined reason codes; '' for none. */
  reasons: string;
  source: string;
  status: string;
  subject_type: string | null;
  subject_id: string | null;
  data_age_ms: number | null;
  latency_ms: number;
  sealed_subject: string | null;
  alt_type: string | null;
  alt_id: string | null;
  /** Comma-joined blind indexes; null for none. */
  blind_index: string | null;
  anchor_mono_ms: number | null;
  anchor_wall_ms: number | null;
}

/** The SELECT list and joins that produce an `EntryRow`; callers add WHERE and ORDER BY. */
export const ENTRY_ROWS_SQL = `SELECT e.seq, e.boot, e.entry_id, e.recorded_at, b.boot_id, e.mono_ms, e.clock_synced,
    e.direction, e.format, e.verdict, e.reasons, e.source, e.status, e.subject_type, e.subject_id,
    e.data_age_ms, e.latency_ms, e.sealed_subject, e.alt_type, e.alt_id, e.blind_index,
    a.mono_ms AS anchor_mono_ms, a.wall_ms AS anchor_wall_ms
  FROM entries e JOIN boots b ON b.id = e.boot LEFT JOIN time_anchors a ON a.boot = e.boot`;

const splitList = (joined: string): string[] => (joined === '' ? [] : joined.split(','));

/**
 * A stored entry as the server receives it (docs/api.md "Uploading entries"), checked against the
 * wire schema: a row the server would refuse stops here, named by its seq, instead of making the
 * server refuse its whole batch on every retry.
 */
export function wireEntryOf(row: EntryRow): WireEntry {
  const hasAnchor = row.anchor_mono_ms !== null && row.anchor_wall_ms !== null;
  const candidate = {
    entryId: stringifyUuid(row.entry_id),
    seq: row.seq,
    recordedAt: row.recorded_at,
    bootId: row.boot_id,
    monoMs: row.mono_ms,
    clockSynced: row.clock_synced === 1,
    direction: row.direction,
    format: row.format,
    verdict: row.verdict,
    reasons: splitList(row.reasons),
    source: row.source,
    status: row.status,
    subject: row.subject_type === null ? null : { type: row.subject_type, id: row.subject_id },
    dataAgeMs: row.data_age_ms,
    latencyMs: row.latency_ms,
    // Only an entry made with an unsynchronised clock is re-timed; the server does the same on arrival.
    correctedAt: row.clock_synced === 0 && hasAnchor ? Math.round((row.anchor_wall_ms as number) + (row.mono_ms - (row.anchor_mono_ms as number))) : null,
    sealedSubject: row.sealed_subject,
    // Present only when set: an entry without them is what servers older than these fields accept
    // (their schema refuses unknown fields).
    ...(row.alt_type === null ? {} : { altSubject: { type: row.alt_type, id: row.alt_id } }),
    ...(row.blind_index === null ? {} : { blindIndex: splitList(row.blind_index) }),
  };
  const checked = wireEntrySchema.safeParse(candidate);
  if (!checked.success) {
    const problem = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new KioskError('outbox-corrupt', `entry seq ${row.seq} does not match the wire schema (${problem})`);
  }
  return checked.data;
}
