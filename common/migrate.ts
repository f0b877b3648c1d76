import { KioskError } from './errors.ts';

/**
 * The slice of a SQLite connection the migration runner needs. Structural, so this module imports
 * no driver and both the kiosk outbox and the reference server share one runner.
 */
export interface MigratableDb {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Wraps `fn` so that calling the result runs it in one transaction. */
  transaction(fn: () => void): () => void;
}

/** One schema step. Versions go up in tens (room to insert a step later) and are never renamed. */
export interface Migration<D extends MigratableDb = MigratableDb> {
  version: number;
  name: string;
  up(db: D): void;
}

/**
 * Brings a database to `target` (default: the newest step). Each step runs in a transaction that
 * also sets `user_version`, so a crash mid-migration leaves the previous version intact. A database
 * written by newer software is refused by name instead of being damaged.
 */
export function migrate<D extends MigratableDb>(
  db: D,
  migrations: readonly Migration<D>[],
  what: string,
  target: number = migrations.at(-1)?.version ?? 0,
): number {
  for (let i = 1; i < migrations.length; i++) {
    if ((migrations[i] as Migration<D>).version <= (migrations[i - 1] as Migration<D>).version) {
      throw new KioskError('internal', 'migration versions must increase');
    }
  }
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new KioskError(
      'outbox-newer-schema',
      `the ${what} database has schema version ${current}, newer than this software knows (${newest}); install the newer version or move the file away`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
