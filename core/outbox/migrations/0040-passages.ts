import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * Closed loop: whether the person let in by an entry actually passed the gate (sensor) or not
 * within the window. Recorded after the entry itself, uploaded once (`is_sent`), keyed by the
 * entry's seq.
 */
export const migration0040: Migration<Database> = {
  version: 40,
  name: 'passages',
  up(db) {
    db.exec(`
      CREATE TABLE passages (
        entry_seq INTEGER PRIMARY KEY,
        passed INTEGER NOT NULL,
        at INTEGER NOT NULL,
        is_sent INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX passages_unsent ON passages(entry_seq) WHERE is_sent = 0;
    `);
  },
};
