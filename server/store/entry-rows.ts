import type { StoredEntry, Subject } from '../../common/wire.ts';

/** An entries row as either engine returns it (SQLite keeps booleans as 0/1). */
export interface EntryRow {
  entry_id: string;
  device_id: string;
  venue_id: string;
  seq: number;
  batch_id: string;
  received_at: number;
  recorded_at: number;
  boot_id: string;
  mono_ms: number;
  clock_synced: boolean | number;
  direction: string;
  format: string;
  verdict: string;
  reasons: string;
  source: string;
  status: string;
  subject_type: string | null;
  subject_id: string | null;
  data_age_ms: number | null;
  latency_ms: number;
  corrected_at: number | null;
  sealed_subject: string | null;
  passage: string | null;
  alt_type: string | null;
  alt_id: string | null;
  blind_index: string | null;
  blind_alt: string | null;
}

export function rowToStored(r: EntryRow): StoredEntry {
  return {
    entryId: r.entry_id,
    deviceId: r.device_id,
    venueId: r.venue_id,
    seq: r.seq,
    batchId: r.batch_id,
    receivedAt: r.received_at,
    recordedAt: r.recorded_at,
    bootId: r.boot_id,
    monoMs: r.mono_ms,
    clockSynced: r.clock_synced === true || r.clock_synced === 1,
    direction: r.direction as StoredEntry['direction'],
    format: r.format as StoredEntry['format'],
    verdict: r.verdict as StoredEntry['verdict'],
    reasons: r.reasons === '' ? [] : r.reasons.split(','),
    source: r.source as StoredEntry['source'],
    status: r.status as StoredEntry['status'],
    subject: r.subject_type && r.subject_id ? { type: r.subject_type as Subject['type'], id: r.subject_id } : null,
    dataAgeMs: r.data_age_ms,
    latencyMs: r.latency_ms,
    correctedAt: r.corrected_at,
    sealedSubject: r.sealed_subject,
    ...(r.alt_type && r.alt_id ? { altSubject: { type: r.alt_type, id: r.alt_id } as StoredEntry['altSubject'] } : {}),
    ...(r.blind_index ? { blindIndex: r.blind_alt ? [r.blind_index, r.blind_alt] : [r.blind_index] } : {}),
    ...(r.passage ? { passage: r.passage as 'passed' | 'not-passed' } : {}),
  };
}
