import type { Database } from 'better-sqlite3';
import { migrate, type Migration } from '../../../common/migrate.ts';
import { migration0010 } from './0010-initial.ts';

export const OUTBOX_MIGRATIONS: readonly Migration<Database>[] = [migration0010];

export function migrateOutbox(db: Database, target?: number): number {
  return migrate(db, OUTBOX_MIGRATIONS, 'outbox', target);
}
