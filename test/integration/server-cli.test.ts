import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadtest } from '../../scripts/cli/loadtest.ts';
import { KIOSK_BIN, spawnKiosk, type KioskProcess } from '../helpers/cli.ts';
import { tempDirRemovedAtExit } from '../helpers/server.ts';

const run = promisify(execFile);
const kiosk = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [KIOSK_BIN, ...args], { env: { ...process.env, ...env } });
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;

describe('kiosk server on an embedded SQLite file', () => {
  let server: KioskProcess | undefined;
  afterEach(async () => {
    server?.proc.kill('SIGTERM');
    await server?.exited;
    server = undefined;
  });

  it('two workers on one port take a load test with nothing lost or doubled, while other commands use the same file', async () => {
    const db = join(tempDirRemovedAtExit('kiosk-server-cli-'), 'server.db');
    server = spawnKiosk(['server', 'start', '--db', db, '--port', '0', '--workers', '2', '--admin-token', 'cli-admin']);
    const started = (await server.waitFor((e) => 'listening' in e, 30_000)) as unknown as { listening: string; store: string; workers: number; db: string };
    expect(started).toMatchObject({ store: 'sqlite', workers: 2, db });

    const running = loadtest({ url: started.listening, adminToken: 'cli-admin', kiosks: 20, durationS: 3, batch: 10, intervalMs: 100, drainS: 30, quiet: true });
    // A technician's command on the same file while the workers write to it.
    const venue = lastJson<{ venueId: string; enrollmentCode: string }>((await kiosk(['server', 'venue', 'add', '--db', db, '--name', 'Chợ Đông Ba', '--kind', 'market', '--json'])).stdout);
    expect(venue.enrollmentCode).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const summary = await running;
    expect(summary).toMatchObject({ kiosks: 20, lost: 0, duplicated: 0, unacked: 0 });
    expect(summary.acked).toBeGreaterThan(0);
    expect(summary.onServer).toBe(summary.acked);
    // KIOSK_SERVER_DB stands for --db.
    const count = lastJson<{ count: number }>((await kiosk(['server', 'entries', '--count', '--json'], { KIOSK_SERVER_DB: db })).stdout);
    expect(count.count).toBe(summary.acked);
  }, 90_000);

  it('refuses a command without a database, naming both ways to give one', async () => {
    const env = { ...process.env };
    delete env.KIOSK_SERVER_DB;
    const failed = await run(process.execPath, [KIOSK_BIN, 'server', 'entries', '--count'], { env }).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failed && failed.code).toBe(2);
    expect((failed as { stderr: string }).stderr).toMatch(/--db FILE .*postgres:\/\/.*KIOSK_SERVER_DB/);
  });
});
