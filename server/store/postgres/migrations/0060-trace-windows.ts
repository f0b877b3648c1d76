import type { PgMigration } from '../migrate.ts';

/**
 * Issue 13 at 50 million entries: a trace reads a few thousand entries around the case's visits
 * (TRACE_SQL.entriesInWindows). Each came from its own heap page, since a day partition holds its
 * venues' entries interleaved in arrival order; with the database larger than memory that was one
 * random page read per entry (trace p50 248 ms, p99 675 ms on the benchmark machine). The venue and
 * time index now carries every column a trace reads, so the windows are read from the index's leaf
 * pages alone (an index-only scan once autovacuum has set a day's visibility map) and the entries
 * of one venue and hour lie side by side. It replaces entries_venue_time (same key columns, whose
 * INCLUDE it extends), so ingest maintains as many indexes as before, one of them wider.
 * On an existing database this builds an index over every day partition before the server listens
 * (under 10 minutes for 50 million entries on 2 cores, beside other work); kiosks keep their entries in their outboxes
 * and retry meanwhile, as after any outage.
 */
export const pgMigration0060: PgMigration = {
  version: 60,
  name: 'trace-windows',
  sql: `
    CREATE INDEX IF NOT EXISTS entries_venue_trace ON entries (venue_id, recorded_at)
      INCLUDE (corrected_at, direction, entry_id, subject_type, subject_id, alt_type, alt_id, blind_index, blind_alt, sealed_subject);
    DROP INDEX IF EXISTS entries_venue_time;
  `,
};
