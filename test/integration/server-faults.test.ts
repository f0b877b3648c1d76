import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadtest, type LoadtestSummary } from '../../scripts/cli/loadtest.ts';
import { spawnKiosk, type KioskProcess } from '../helpers/cli.ts';
import { postgresAvailable, startPostgres, type PgCluster } from '../helpers/postgres.ts';

/**
 * Issue 12's faults, against a real PostgreSQL and `kiosk server start --workers 2` as a child
 * process, while simulated kiosks upload through the API: a worker killed with SIGKILL, PostgreSQL
 * crashed and restarted (`pg_ctl restart -m immediate`), a pool of one connection under load. After
 * each, every acknowledged entry is on the server exactly once.
 */
const run = promisify(execFile);
const hasPostgres = postgresAvailable();
const TOKEN = 'fault-test-admin';

interface RunningServer {
  proc: KioskProcess;
  url: string;
}

async function startServer(db: string, extra: string[] = []): Promise<RunningServer> {
  const proc = spawnKiosk(['server', 'start', '--db', db, '--port', '0', '--workers', '2', '--admin-token', TOKEN, ...extra]);
  const started = (await proc.waitFor((e) => 'listening' in e, 30_000)) as unknown as { listening: string; store: string; workers: number };
  expect(started).toMatchObject({ store: 'postgres', workers: 2 });
  return { proc, url: started.listening };
}

async function stopServer(server: RunningServer): Promise<void> {
  server.proc.proc.kill('SIGTERM');
  await server.proc.exited;
}

async function workerPids(primary: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(primary)]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

async function entriesOnServer(db: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['scripts/kiosk.js', 'server', 'entries', '--db', db, '--count', '--json']);
  return (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { count: number }).count;
}

const load = (url: string, kiosks: number, durationS: number) => loadtest({ url, adminToken: TOKEN, kiosks, durationS, batch: 10, intervalMs: 100, drainS: 60, quiet: true });

function expectExactlyOnce(summary: LoadtestSummary): void {
  expect(summary.lost).toBe(0);
  expect(summary.duplicated).toBe(0);
  expect(summary.acked).toBeGreaterThan(0);
  // Batches sent but never acknowledged may or may not be on the server; acknowledged ones must be.
  expect(summary.onServer).toBeGreaterThanOrEqual(summary.acked);
  expect(summary.onServer).toBeLessThanOrEqual(summary.sent);
}

describe.skipIf(!hasPostgres)('tracing server faults on PostgreSQL with two workers', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a worker killed with SIGKILL mid-load: the other carries on, the supervisor starts another, nothing lost or doubled', async () => {
    const db = await cluster.createDatabase('faults_kill');
    const server = await startServer(db);
    try {
      const running = load(server.url, 40, 6);
      await new Promise((r) => setTimeout(r, 2000));
      const before = await workerPids(server.proc.proc.pid as number);
      expect(before).toHaveLength(2);
      process.kill(before[0] as number, 'SIGKILL');
      const summary = await running;
      expectExactlyOnce(summary);
      expect(await entriesOnServer(db)).toBe(summary.onServer);
      const after = await workerPids(server.proc.proc.pid as number);
      expect(after).toHaveLength(2);
      expect(after).not.toContain(before[0]);
      expect(server.proc.stderr()).toMatch(/worker \d+ died \(SIGKILL\); starting another/);
    } finally {
      await stopServer(server);
    }
  }, 120_000);

  it('PostgreSQL crashed and restarted mid-load: 503 with Retry-After while it is gone, then the workers recover by themselves', async () => {
    const db = await cluster.createDatabase('faults_restart');
    const server = await startServer(db);
    try {
      const running = load(server.url, 40, 8);
      await new Promise((r) => setTimeout(r, 2000));
      await cluster.stopServer('immediate');
      const whileDown = await fetch(`${server.url}/v1/entries/count`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(whileDown.status).toBe(503);
      expect(whileDown.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await whileDown.json()) as { error: { code: string } }).error.code).toBe('store-unavailable');
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.startServer();
      const summary = await running;
      expectExactlyOnce(summary);
      expect(Object.keys(summary.errors).some((k) => k.startsWith('503:store-unavailable'))).toBe(true);
      expect(await entriesOnServer(db)).toBe(summary.onServer);
    } finally {
      await stopServer(server);
    }
  }, 120_000);

  it('a pool of one connection per worker under 100 kiosks: requests wait or get 503, kiosks retry, nothing lost or doubled', async () => {
    const db = await cluster.createDatabase('faults_pool');
    const server = await startServer(db, ['--db-pool', '1']);
    try {
      const summary = await load(server.url, 100, 5);
      expectExactlyOnce(summary);
      expect(await entriesOnServer(db)).toBe(summary.onServer);
    } finally {
      await stopServer(server);
    }
  }, 120_000);

  it('refuses to start on an unreachable database, naming the URL without its password', async () => {
    const proc = spawnKiosk(['server', 'start', '--db', 'postgres://kiosk:s3cret-pass@127.0.0.1:1/tracing', '--port', '0']);
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.stderr()).toMatch(/store-unavailable/);
    expect(proc.stderr()).toContain('127.0.0.1:1/tracing');
    expect(proc.stderr()).not.toContain('s3cret-pass');
  }, 60_000);
});
