import type { Database } from 'better-sqlite3';

/**
 * The EU DCC trust list kiosks sync: every certificate ever published, with the list version that
 * added it and the one that removed it, so any kiosk version can get a delta. Value sets are one
 * JSON document with the version that last changed it.
 */
export const serverMigration0050 = {
  version: 50,
  name: 'trust-list',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE trust_list (
        thumbprint TEXT PRIMARY KEY,
        kid TEXT NOT NULL,
        country TEXT NOT NULL,
        raw_data TEXT NOT NULL,
        certificate_type TEXT NOT NULL DEFAULT 'DSC',
        added_version INTEGER NOT NULL,
        removed_version INTEGER
      ) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('trust_version', '0'), ('value_sets', ''), ('value_sets_version', '0');
    `);
  },
};
