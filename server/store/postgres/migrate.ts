import type { PoolClient } from 'pg';
import { KioskError } from '../../../common/errors.ts';

/** One schema step of the PostgreSQL engine. Versions go up in tens and are never renamed. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** pg_advisory_lock key of the migration runner ("kiosk-mg"): workers starting together migrate once. */
const MIGRATION_LOCK = 0x6b696f736b2d6d67n;

/**
 * Brings the database to the newest step. Each step runs in its own transaction together with its
 * row in `schema_migrations`, so a crash mid-step leaves the previous version intact. Other workers
 * wait on the advisory lock and then find nothing left to do. A database written by newer software
 * is refused by name instead of being damaged.
 */
export async function migratePostgres(client: PoolClient, migrations: readonly PgMigration[], where: string): Promise<number> {
  for (let i = 1; i < migrations.length; i++) {
    if ((migrations[i] as PgMigration).version <= (migrations[i - 1] as PgMigration).version) throw new KioskError('internal', 'migration versions must increase');
  }
  const newest = migrations.at(-1)?.version ?? 0;
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const current = Number((await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
    if (current > newest) {
      throw new KioskError(
        'outbox-newer-schema',
        `the server database ${where} has schema version ${current}, newer than this software knows (${newest}); install the newer version or use another database`,
      );
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return Math.max(current, newest);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]).catch(() => undefined);
  }
}
