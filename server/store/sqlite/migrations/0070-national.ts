import type { Database } from 'better-sqlite3';

/**
 * Issue 12: rate limits shared by every worker on the file (enrollment guesses, trace requests),
 * and the tracing index (subject + time) beside the venue + time one of 0010.
 */
export const serverMigration0070 = {
  version: 70,
  name: 'national',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        count INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX entries_subject_time ON entries(subject_type, subject_id, recorded_at) WHERE subject_id IS NOT NULL;
      CREATE INDEX nonces_expiry ON nonces(expires_at);
    `);
  },
};
