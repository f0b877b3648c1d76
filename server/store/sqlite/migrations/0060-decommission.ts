import type { Database } from 'better-sqlite3';

/** A decommissioned device: its key signs nothing any more (a lost SD card cannot upload or look up). */
export const serverMigration0060 = {
  version: 60,
  name: 'decommission',
  up(db: Database): void {
    db.exec('ALTER TABLE devices ADD COLUMN revoked_at INTEGER;');
  },
};
