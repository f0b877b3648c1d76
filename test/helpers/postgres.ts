import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries, a temporary folder, a free loopback
 * port, never the system cluster on 5432. PostgreSQL refuses to run as root, so when the tests run
 * as root the server runs as the `postgres` user through runuser.
 */
const run = promisify(execFile);
export const PG_BIN = process.env.KIOSK_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** A folder the postgres user can reach: world-writable and sticky on Debian. */
const PG_TMP_BASE = process.env.KIOSK_PG_TMP ?? '/tmp';

export interface PgCluster {
  /** postgres://…/postgres on the cluster; use `createDatabase` for a database of one's own. */
  url: string;
  port: number;
  createDatabase(name?: string): Promise<string>;
  /** `immediate` is a crash (no checkpoint); `fast` a clean shutdown. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * true when PostgreSQL's binaries are here. Outside CI, missing binaries skip the PostgreSQL tests
 * with "skipped: no PostgreSQL"; in CI (`CI` set) they must run, so this throws instead.
 */
export function postgresAvailable(): boolean {
  const isThere = existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
  if (!isThere && process.env.CI) throw new Error(`PostgreSQL binaries not found in ${PG_BIN}: CI must install Debian's postgresql package (.ci/run)`);
  if (!isThere) console.warn('skipped: no PostgreSQL');
  return isThere;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const asPostgres = (cmd: string, args: string[]): [string, string[]] => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);

export async function startPostgres(): Promise<PgCluster> {
  // Not under TMPDIR: the suite gives each test file a private (0700) TMPDIR that the postgres user
  // cannot enter. The folder is removed by stop(), or at exit when a test process dies first.
  const dir = await mkdtemp(join(PG_TMP_BASE, 'kiosk-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const pgRun = async (cmd: string, args: string[]): Promise<void> => {
    const [file, argv] = asPostgres(join(PG_BIN, cmd), args);
    try {
      await run(file, argv, { cwd: dir, timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${cmd} failed: ${e.stderr ?? e.message}`, { cause: err });
    }
  };
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const startServer = (): Promise<void> =>
    pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=100`, '-w', 'start']);
  const stopServer = (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  await startServer();
  // A test process that dies before stop() (an unhandled error) must not leave a server running.
  const leftover = (): void => {
    try {
      const [file, argv] = asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', leftover);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let made = 0;
  return {
    url,
    port,
    async createDatabase(name = `test_${process.pid}_${++made}`): Promise<string> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // The name is made here from digits and letters; identifiers cannot be bound parameters.
        if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart(mode = 'fast'): Promise<void> {
      await stopServer(mode);
      await startServer();
    },
    stopServer,
    startServer,
    async stop(): Promise<void> {
      process.removeListener('exit', leftover);
      await stopServer('fast').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, empty store location on the cluster: one database per cluster and a schema per call
 * (search_path in the URL), so each test starts empty without CREATE DATABASE copying a template.
 */
export function schemaPerCase(cluster: PgCluster, database = 'cases'): () => Promise<string> {
  let db: Promise<string> | undefined;
  let schemas = 0;
  return async () => {
    db ??= cluster.createDatabase(database);
    const url = await db;
    const name = `case_${++schemas}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${name}`);
    } finally {
      await client.end();
    }
    return `${url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  };
}
