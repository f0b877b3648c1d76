import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../core/runtime/start-kiosk.ts';
import type { FleetRow } from '../../server/services/fleet.ts';
import { issueToken } from '../../server/services/tokens.ts';
import { runKiosk } from '../helpers/cli.ts';
import { heartbeat, locatedKiosk } from '../helpers/deployment.ts';
import { startTestKiosk, type TestKiosk } from '../helpers/kiosk.ts';
import { signedHeaders, startTestServer, type EnrolledDevice, type TestServer } from '../helpers/server.ts';
import PACKAGE from '../../package.json' with { type: 'json' };

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fleet health', () => {
  let server: TestServer;
  let steady: EnrolledDevice;
  let stopping: EnrolledDevice;
  let kioskA: TestKiosk | undefined;
  let ict: string;

  beforeAll(async () => {
    server = await startTestServer();
    steady = await locatedKiosk(server.store, 'Chợ Đông Ba', 'market', '19744');
    stopping = await locatedKiosk(server.store, '<img src=x onerror=alert(1)>', 'school', '19747');
    ict = (await issueToken(server.store.tracing, { role: 'ict', now: Date.now() })).token;
  });
  afterAll(async () => {
    await kioskA?.running.stop();
    await server?.close();
  });

  it('receives a signed heartbeat from a kiosk as soon as it starts', async () => {
    kioskA = await startTestKiosk({ serverUrl: server.url, device: steady });
    const row = await waitUntil(async () => (await server.store.deployment.fleet()).find((d) => d.deviceId === steady.deviceId && d.lastHeartbeat !== null));
    expect(row.lastHeartbeat).toMatchObject({
      deviceId: steady.deviceId,
      appVersion: APP_VERSION,
      backlog: { pending: 0, oldestPendingAgeMs: null },
      devices: { scanner: 'connected', gate: 'connected' },
      clockSynced: false,
    });
    expect(row.lastHeartbeat?.freeDiskMiB).toBeGreaterThan(0);
    expect(APP_VERSION).toBe(PACKAGE.version);
  });

  it('lists a kiosk that stopped heartbeating as silent with --silent-hours 1, first', async () => {
    const kioskB = await startTestKiosk({ serverUrl: server.url, device: stopping });
    await waitUntil(async () => (await server.store.deployment.fleet()).find((d) => d.deviceId === stopping.deviceId && d.lastHeartbeat !== null));
    await kioskB.running.stop();
    // Two hours pass without a word from kiosk B (its last beat moved back, as the clock would).
    server.store.db.prepare('UPDATE heartbeats_latest SET received_at = received_at - 7200000 WHERE device_id = ?').run(stopping.deviceId);
    const run = await runKiosk(['server', 'fleet', '--db', server.dbPath, '--silent-hours', '1', '--json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as FleetRow[];
    expect(rows.map((r) => [r.deviceId, r.isSilent])).toEqual([
      [stopping.deviceId, true],
      [steady.deviceId, false],
    ]);
    expect(rows[0]?.silentForMs).toBeGreaterThan(7_000_000);
    expect(rows[0]?.place).toBe('Phường Phú Bình, Thành phố Huế, Tỉnh Thừa Thiên Huế');
    const text = await runKiosk(['server', 'fleet', '--db', server.dbPath, '--silent-hours', '1']);
    expect(text.stdout.split('\n')[0]).toMatch(/^SILENT {2}/);
    expect(text.stdout).toMatch(/2 kiosks, 1 silent/);
    // The same through the API the console uses, for the ict role.
    const api = await fetch(`${server.url}/v1/fleet?silentHours=1&province=46`, { headers: { authorization: `Bearer ${ict}` } });
    expect(((await api.json()) as { kiosks: FleetRow[] }).kiosks.filter((k) => k.isSilent).map((k) => k.deviceId)).toEqual([stopping.deviceId]);
    expect((await fetch(`${server.url}/v1/fleet?silentHours=-1`, { headers: { authorization: `Bearer ${ict}` } })).status).toBe(400);
  });

  describe('refuses bad heartbeats with a clear 4xx', () => {
    const post = (body: Buffer, headers: Record<string, string>) =>
      fetch(`${server.url}/v1/heartbeat`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));

    it('unsigned: 401', async () => {
      const res = await post(json(heartbeat(steady.deviceId, Date.now())), {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/must be signed/) } });
    });

    it('a clock years off: 400 naming sentAt', async () => {
      const body = json(heartbeat(steady.deviceId, Date.now() - 3 * 365 * 86_400_000));
      const res = await post(body, signedHeaders(steady, 'POST', '/v1/heartbeat', body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad-request', message: expect.stringMatching(/^sentAt: the kiosk's clock \(20\d\d-.*days from the server's/) } });
    });

    it('oversized: 413; compressed: 415; another device named: 403; unknown fields: 400', async () => {
      const big = json({ ...heartbeat(steady.deviceId, Date.now()), appVersion: 'x'.repeat(20_000) });
      expect((await post(big, signedHeaders(steady, 'POST', '/v1/heartbeat', big))).status).toBe(413);
      const gz = gzipSync(json(heartbeat(steady.deviceId, Date.now())));
      expect((await post(gz, { ...signedHeaders(steady, 'POST', '/v1/heartbeat', gz), 'content-encoding': 'gzip' })).status).toBe(415);
      const other = json(heartbeat(stopping.deviceId, Date.now()));
      expect((await post(other, signedHeaders(steady, 'POST', '/v1/heartbeat', other))).status).toBe(403);
      const extra = json({ ...heartbeat(steady.deviceId, Date.now()), secret: 1 });
      const res = await post(extra, signedHeaders(steady, 'POST', '/v1/heartbeat', extra));
      expect(res.status).toBe(400);
    });
  });
});
