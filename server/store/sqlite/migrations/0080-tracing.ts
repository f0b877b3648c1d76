import type { Database } from 'better-sqlite3';

/**
 * Issue 13, contact tracing:
 * - `api_tokens`: role tokens (health, ict, venue, operator); only the SHA-256 of a token is kept.
 * - `audit_log`: every trace, exposure query and export; append-only (triggers refuse UPDATE and
 *   DELETE, so a bug or a careless script cannot rewrite history; the file's owner still can, which
 *   docs/tracing.md says).
 * - `person_links`: identifiers known to belong to one person (PC-COVID QID, CCCD, old CMND).
 * - entries gain `alt_type`/`alt_id` (the old CMND number printed in a CCCD's QR, or the QID of an
 *   unmasked PC-COVID QR) and `blind_index`/`blind_alt` (keyed hashes of the sealed subject's
 *   identifiers under a per-day authority key), each indexed with the entry's effective time.
 *   The effective time is `coalesce(corrected_at, recorded_at)`: an entry re-timed by an anchor
 *   must be found where it really happened, so the indexes are on that expression. They replace
 *   the recorded_at ones of 0010 and 0070 (tracing was their only reason; the venue report also
 *   reads by effective time), so ingest maintains no more indexes than before.
 */
export const serverMigration0080 = {
  version: 80,
  name: 'tracing',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        venue_id TEXT REFERENCES venues(id),
        label TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        subject_hash TEXT,
        from_ms INTEGER,
        to_ms INTEGER,
        result_count INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TABLE person_links (
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (type, id)
      ) WITHOUT ROWID;
      CREATE INDEX person_links_person ON person_links(person_id);
      ALTER TABLE entries ADD COLUMN alt_type TEXT;
      ALTER TABLE entries ADD COLUMN alt_id TEXT;
      ALTER TABLE entries ADD COLUMN blind_index TEXT;
      ALTER TABLE entries ADD COLUMN blind_alt TEXT;
      DROP INDEX entries_venue_time;
      DROP INDEX entries_subject_time;
      CREATE INDEX entries_venue_at ON entries(venue_id, coalesce(corrected_at, recorded_at));
      CREATE INDEX entries_subject_at ON entries(subject_type, subject_id, coalesce(corrected_at, recorded_at)) WHERE subject_id IS NOT NULL;
      CREATE INDEX entries_alt_at ON entries(alt_type, alt_id, coalesce(corrected_at, recorded_at)) WHERE alt_id IS NOT NULL;
      CREATE INDEX entries_blind_at ON entries(blind_index, coalesce(corrected_at, recorded_at)) WHERE blind_index IS NOT NULL;
      CREATE INDEX entries_blind_alt_at ON entries(blind_alt, coalesce(corrected_at, recorded_at)) WHERE blind_alt IS NOT NULL;
    `);
  },
};
