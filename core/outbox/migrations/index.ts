import type { Database } from 'better-sqlite3';
import { migrate, type Migration } from '../../../common/migrate.ts';
import { migration0010 } from './0010-initial.ts';
import { migration0020 } from './0020-time-anchors-and-sealed-subjects.ts';
import { migration0030 } from './0030-risk-list.ts';
import { migration0040 } from './0040-passages.ts';
import { migration0050 } from './0050-trust-list.ts';
import { migration0060 } from './0060-second-identifier.ts';

export const OUTBOX_MIGRATIONS: readonly Migration<Database>[] = [migration0010, migration0020, migration0030, migration0040, migration0050, migration0060];

export function migrateOutbox(db: Database, target?: number): number {
  return migrate(db, OUTBOX_MIGRATIONS, 'outbox', target);
}
