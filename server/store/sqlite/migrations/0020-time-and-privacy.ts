import type { Database } from 'better-sqlite3';

/**
 * - `meta`: the server's own Ed25519 key, which signs the time it tells kiosks.
 * - `entries.corrected_at`: wall time repaired from a kiosk's time anchor (the original
 *   `recorded_at` is kept beside it); `entries.sealed_subject`: a subject only the health authority
 *   can decrypt.
 */
export const serverMigration0020 = {
  version: 20,
  name: 'time-and-privacy',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      ALTER TABLE entries ADD COLUMN corrected_at INTEGER;
      ALTER TABLE entries ADD COLUMN sealed_subject TEXT;
      CREATE INDEX entries_device_boot ON entries(device_id, boot_id) WHERE clock_synced = 0;
    `);
  },
};
