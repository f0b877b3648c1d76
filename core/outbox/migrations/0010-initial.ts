import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * The outbox: one row per scan, committed before the verdict is shown.
 * - `seq` is the per-device sequence the server uses for gap detection: AUTOINCREMENT never reuses
 *   a value, and a rolled-back insert consumes none, so committed seqs have no gaps.
 * - Upload progress is a watermark (`meta.uploaded_through`), not a per-row flag: batches go
 *   oldest first and are acknowledged whole, so marking a batch costs one row, not thousands.
 * - `entry_id` is a UUIDv7 as 16 bytes (the text form would take 36).
 */
export const migration0010: Migration<Database> = {
  version: 10,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('uploaded_through', '0');

      CREATE TABLE boots (
        id INTEGER PRIMARY KEY,
        boot_id TEXT NOT NULL UNIQUE,
        first_seen_at INTEGER NOT NULL
      );

      CREATE TABLE entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id BLOB NOT NULL,
        recorded_at INTEGER NOT NULL,
        boot INTEGER NOT NULL REFERENCES boots(id),
        mono_ms REAL NOT NULL,
        clock_synced INTEGER NOT NULL,
        direction TEXT NOT NULL,
        format TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        subject_type TEXT,
        subject_id TEXT,
        data_age_ms INTEGER,
        latency_ms REAL NOT NULL
      );

      CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      );
    `);
  },
};
