import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * The person's second identifier read from the same QR (the old CMND number of a CCCD, the QID of
 * an unmasked PC-COVID QR), uploaded beside the subject so tracing finds a case known by either;
 * and the blind indexes of a sealed subject (comma-separated), for tracing without plain identifiers.
 */
export const migration0060: Migration<Database> = {
  version: 60,
  name: 'second-identifier',
  up(db) {
    db.exec(`
      ALTER TABLE entries ADD COLUMN alt_type TEXT;
      ALTER TABLE entries ADD COLUMN alt_id TEXT;
      ALTER TABLE entries ADD COLUMN blind_index TEXT;
    `);
  },
};
