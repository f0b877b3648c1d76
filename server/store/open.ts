import { KioskError } from '../../common/errors.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import { isPostgresUrl } from './location.ts';
import type { OpenStoreOptions, ServerStore } from './store.ts';

export { isPostgresUrl, redactDb } from './location.ts';

/**
 * The one place that chooses an engine: a postgres:// or postgresql:// URL opens PostgreSQL, anything
 * else is a SQLite file path (the default for trying the server, the demo and tests).
 */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<ServerStore> {
  if (db === '') throw new KioskError('config-invalid', '--db is empty: give a SQLite file path or a postgres:// URL');
  if (isPostgresUrl(db)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return PostgresStore.open(db, options);
  }
  return new SqliteStore(db, options.now);
}
