import type { Database } from 'better-sqlite3';

/**
 * The published risk list: `risk_list` is the current set of keyed hashes (16 bytes each) of flagged
 * subjects; `risk_changes` is the ordered log kiosks sync deltas from (cursor = its seq).
 */
export const serverMigration0030 = {
  version: 30,
  name: 'risk-list',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE risk_list (hash BLOB PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE risk_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        hash BLOB NOT NULL,
        is_added INTEGER NOT NULL,
        at INTEGER NOT NULL
      );
    `);
  },
};
