import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * - `time_anchors`: one trustworthy (boot-monotonic ms, wall ms) pair per boot, from NTP sync or the
 *   server's signed time. Entries of that boot recorded with an unsynchronised clock are re-timed
 *   from it at upload (`correctedAt`); the original `recorded_at` is kept.
 * - `entries.sealed_subject`: the subject encrypted to the health authority's key (privacy option);
 *   when set, `subject_type` and `subject_id` stay NULL.
 */
export const migration0020: Migration<Database> = {
  version: 20,
  name: 'time-anchors-and-sealed-subjects',
  up(db) {
    db.exec(`
      CREATE TABLE time_anchors (
        boot INTEGER PRIMARY KEY REFERENCES boots(id),
        mono_ms REAL NOT NULL,
        wall_ms INTEGER NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      ALTER TABLE entries ADD COLUMN sealed_subject TEXT;
    `);
  },
};
