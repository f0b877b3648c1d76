import type { Database } from 'better-sqlite3';

/** Closed loop: the passage outcome of an entry whose gate opened (`passed`, `not-passed`). */
export const serverMigration0040 = {
  version: 40,
  name: 'passages',
  up(db: Database): void {
    db.exec(`
      ALTER TABLE entries ADD COLUMN passage TEXT;
      ALTER TABLE entries ADD COLUMN passage_at INTEGER;
    `);
  },
};
