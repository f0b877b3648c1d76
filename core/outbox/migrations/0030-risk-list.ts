import type { Database } from 'better-sqlite3';
import type { Migration } from '../../../common/migrate.ts';

/**
 * The offline risk list: keyed hashes of flagged subjects (16 bytes each), looked up by primary
 * key. A first sync fills `risk_list_next` page by page and swaps it in whole, so the kiosk never
 * decides from half a list. `meta.risk_cursor` is the server's change cursor; `risk_synced_at` the
 * wall time of the last complete sync (the data age shown to the guard).
 */
export const migration0030: Migration<Database> = {
  version: 30,
  name: 'risk-list',
  up(db) {
    db.exec(`
      CREATE TABLE risk_list (hash BLOB PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE risk_list_next (hash BLOB PRIMARY KEY) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('risk_cursor', '0'), ('risk_synced_at', '');
    `);
  },
};
