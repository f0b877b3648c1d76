import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import type { HttpRequester } from '../../core/http/client.ts';
import { silentLogger } from '../../core/log.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { RiskList, RiskListSync } from '../../core/status/risk-list.ts';
import { cccdQr, makePeople, seedStatuses, type Person } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { lastVerdict, startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { enrollDevice, setStatus, startTestServer, type TestServer } from '../helpers/server.ts';

const people = makePeople(200, 31);
const flagged = people.find((p) => p.status === 'red') as Person;
const green = people.filter((p) => p.status === 'green');

describe('offline risk list', () => {
  let server: TestServer | undefined;
  let kiosk: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kiosk, server);
    [kiosk, server] = [undefined, undefined];
  });

  it('denies a listed person while offline, and allows them after removal and the next sync', async () => {
    server = await startTestServer();
    await seedStatuses(server.store, people);
    const device = await enrollDevice(server.store);
    const port = Number(new URL(server.url).port);
    const dbPath = server.dbPath;
    kiosk = await startTestKiosk({
      serverUrl: server.url,
      device,
      config: {
        duplicateWindowMs: 0,
        venue: { kind: 'market' },
      },
    });
    await kiosk.waitFor((e) => e.type === 'risk-list');
    expect(kiosk.running.outbox.riskList.state().size).toBeGreaterThan(0);

    await server.close();
    server = undefined;
    kiosk.scanner.emit(cccdQr(flagged));
    const denied = await lastVerdict(kiosk);
    expect(denied).toMatchObject({ verdict: 'deny', source: 'risk-list', reasons: ['risk-list', 'offline'] });
    expect(denied.dataAgeMs).toBeGreaterThanOrEqual(0);
    kiosk.scanner.emit(cccdQr(green[0]!));
    // A market lets unknown people in offline (allow and flag), with the list's age.
    expect(await lastVerdict(kiosk)).toMatchObject({ verdict: 'allow', source: 'offline', reasons: ['offline', 'offline-allow'] });

    server = await startTestServer({}, dbPath, port);
    await setStatus(server.store, { type: 'cccd', id: flagged.cccd }, 'green', [], Date.now());
    expect(await kiosk.running.riskSync!.syncNow()).toBe(true);
    await server.close();
    server = undefined;

    kiosk.scanner.emit(cccdQr(flagged));
    expect(await lastVerdict(kiosk)).toMatchObject({ verdict: 'allow', source: 'offline', reasons: ['offline', 'offline-allow'] });
  });
});

describe('risk list sync protocol', () => {
  /** The kiosk's sync against the server's pages, with a page of 3 hashes to exercise paging. */
  function rig() {
    const serverStore = new SqliteStore(':memory:');
    const outbox = Outbox.open({ path: join(mkdtempSync(join(tmpdir(), 'risk-')), 'k.db'), bootId: 'b', nowMs: Date.now });
    const http: HttpRequester = {
      async request(o) {
        const u = new URL(o.path, 'http://x');
        const page = await serverStore.riskListPage(Number(u.searchParams.get('cursor')), u.searchParams.get('after') ?? undefined, 3);
        return { ok: true, status: 200, value: o.schema.parse(JSON.parse(JSON.stringify(page))) };
      },
    };
    const sync = new RiskListSync({ http, store: outbox.riskList, clock: systemClock, log: silentLogger, intervalMs: 60_000 });
    const list = new RiskList(serverStore.riskKey.toString('base64url'), outbox.riskList, systemClock);
    return { serverStore, outbox, sync, list };
  }
  const subject = (i: number) => ({ type: 'cccd' as const, id: `0010990${String(i).padStart(5, '0')}` });

  it('fetches a paged snapshot first, then only net changes', async () => {
    const { serverStore, outbox, sync, list } = rig();
    for (let i = 0; i < 10; i++) await setStatus(serverStore, subject(i), i % 2 === 0 ? 'red' : 'green', i === 1 ? ['F1'] : []);
    expect(await sync.syncNow()).toBe(true);
    const listed = Array.from({ length: 10 }, (_, i) => list.isListed(subject(i)));
    expect(listed).toEqual([true, true, true, false, true, false, true, false, true, false]);
    expect(outbox.riskList.state().size).toBe(6);
    expect(list.ageMs()).toBeLessThan(5000);

    // Flag, clear, flag again within one page: the net effect applies.
    await setStatus(serverStore, subject(3), 'red');
    await setStatus(serverStore, subject(3), 'green');
    await setStatus(serverStore, subject(5), 'red');
    await setStatus(serverStore, subject(0), 'green');
    for (let i = 20; i < 27; i++) await setStatus(serverStore, subject(i), 'red');
    expect(await sync.syncNow()).toBe(true);
    expect([0, 3, 5, 20, 26].map((i) => list.isListed(subject(i)))).toEqual([false, false, true, true, true]);
    expect(outbox.riskList.state()).toMatchObject({ size: 13 });
    outbox.close();
  });

  it('keeps the previous list when a sync fails half-way', async () => {
    const { serverStore, outbox, list } = rig();
    await setStatus(serverStore, subject(1), 'red');
    let calls = 0;
    const flaky: HttpRequester = {
      async request(o) {
        calls++;
        if (calls > 1) return { ok: false, status: null, code: 'server-unreachable', message: 'down' };
        const page = await serverStore.riskListPage(0, undefined, 1);
        return { ok: true, status: 200, value: o.schema.parse({ ...page, next: 'f'.repeat(32) }) };
      },
    };
    const sync = new RiskListSync({ http: flaky, store: outbox.riskList, clock: systemClock, log: silentLogger, intervalMs: 60_000 });
    expect(await sync.syncNow()).toBe(false);
    // The staged page was not swapped in: no half list, and no sync time.
    expect(list.isListed(subject(1))).toBe(false);
    expect(list.ageMs()).toBeNull();
    outbox.close();
  });

  it('refuses a cursor ahead of the server', async () => {
    const serverStore = new SqliteStore(':memory:');
    await expect(serverStore.riskListPage(99, undefined)).rejects.toThrow(/ahead of the list/);
  });
});
