import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * The EU DCC trust list: document-signer certificates (DER) keyed by their SHA-256 thumbprint, with
 * the COSE kid they are looked up by. `meta.trust_version` is the server's list version deltas
 * continue from; `trust_synced_at` the wall time of the last sync (the "keys N days old" the guard
 * sees); `trust_value_sets` the value sets (JSON) that came with it.
 */
export const migration0050: Migration<Database> = {
  version: 50,
  name: 'trust-list',
  up(db) {
    db.exec(`
      CREATE TABLE trust_list (
        thumbprint TEXT PRIMARY KEY,
        kid TEXT NOT NULL,
        country TEXT NOT NULL,
        raw_data TEXT NOT NULL,
        certificate_type TEXT NOT NULL DEFAULT 'DSC'
      ) WITHOUT ROWID;
      CREATE INDEX trust_list_kid ON trust_list (kid);
      INSERT INTO meta (key, value) VALUES ('trust_version', '0'), ('trust_synced_at', ''), ('trust_value_sets', '');
    `);
  },
};
