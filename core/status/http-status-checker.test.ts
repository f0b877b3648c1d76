import type { output, ZodType } from 'zod';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/clock.ts';
import type { Subject } from '../../common/wire.ts';
import { enrollDevice, startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { HttpClient, type HttpOutcome, type HttpRequester, type RequestOptions } from '../http/client.ts';
import { HttpStatusChecker } from './http-status-checker.ts';

const subject: Subject = { type: 'cccd', id: '079303001234' };

/** Accepts connections and never answers: the stalled server of issue 6. */
async function stalledServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

class Scripted implements HttpRequester {
  calls = 0;
  private readonly answers: Array<HttpOutcome<unknown>>;
  constructor(answers: Array<HttpOutcome<unknown>>) {
    this.answers = answers;
  }
  async request<S extends ZodType>(_o: RequestOptions<S>): Promise<HttpOutcome<output<S>>> {
    const a = this.answers[Math.min(this.calls, this.answers.length - 1)]!;
    this.calls++;
    return a as HttpOutcome<output<S>>;
  }
}

describe('HttpStatusChecker', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers online from the reference server, then from its cache', async () => {
    server = await startTestServer();
    server.store.setSubjectStatus(subject, 'green', [], 1);
    const device = enrollDevice(server.store);
    const checker = new HttpStatusChecker({ http: new HttpClient({ baseUrl: server.url, identity: device.identity, clock: systemClock }), clock: systemClock, budgetMs: 400, cacheTtlMs: 60_000 });
    expect(await checker.check(subject)).toMatchObject({ source: 'online', status: 'green', dataAgeMs: null });
    expect(await checker.check(subject)).toMatchObject({ source: 'cache', status: 'green' });
  });

  it('falls back to the offline rule when the server accepts but never answers', async () => {
    const stalled = await stalledServer();
    const changes: boolean[] = [];
    const checker = new HttpStatusChecker({
      http: new HttpClient({ baseUrl: stalled.url, clock: systemClock }),
      clock: systemClock,
      budgetMs: 150,
      cacheTtlMs: 60_000,
      onConnectivity: (online) => changes.push(online),
    });
    const started = performance.now();
    const answer = await checker.check(subject);
    // Functional bound only (the budget is measured precisely by `npm run bench`): it must not hang.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(answer).toMatchObject({ source: 'offline', status: 'unknown' });
    expect(changes).toEqual([false]);
    await stalled.close();
  });

  it('retries once inside the budget after a quick failure', async () => {
    const http = new Scripted([
      { ok: false, status: 503, code: 'server-unreachable', message: 'busy' },
      { ok: true, status: 200, value: { status: 'yellow', flags: [], declaredAt: null, ttlMs: 1000 } },
    ]);
    const checker = new HttpStatusChecker({ http, clock: systemClock, budgetMs: 400, cacheTtlMs: 60_000 });
    expect(await checker.check(subject)).toMatchObject({ source: 'online', status: 'yellow' });
    expect(http.calls).toBe(2);
  });

  it('does not retry a request the server refused as unauthorized', async () => {
    const http = new Scripted([{ ok: false, status: 401, code: 'unauthorized', message: 'no' }]);
    const checker = new HttpStatusChecker({ http, clock: systemClock, budgetMs: 400, cacheTtlMs: 60_000 });
    expect((await checker.check(subject)).source).toBe('offline');
    expect(http.calls).toBe(1);
  });

  it('keeps denying from a stale red answer while offline, but never allows from a stale green', async () => {
    const clock = { nowMs: () => Date.now(), monoMs: () => now };
    let now = 0;
    const red = new Scripted([{ ok: true, status: 200, value: { status: 'red', flags: ['F0'], declaredAt: null, ttlMs: 1000 } }, { ok: false, status: null, code: 'server-unreachable', message: 'down' }]);
    const checker = new HttpStatusChecker({ http: red, clock, budgetMs: 400, cacheTtlMs: 60_000 });
    await checker.check(subject);
    now = 5000;
    expect(await checker.check(subject)).toMatchObject({ source: 'cache', status: 'red', dataAgeMs: 5000 });

    const green = new Scripted([{ ok: true, status: 200, value: { status: 'green', flags: [], declaredAt: null, ttlMs: 1000 } }, { ok: false, status: null, code: 'server-unreachable', message: 'down' }]);
    const checker2 = new HttpStatusChecker({ http: green, clock, budgetMs: 400, cacheTtlMs: 60_000 });
    now = 0;
    await checker2.check(subject);
    now = 5000;
    expect(await checker2.check(subject)).toMatchObject({ source: 'offline' });
  });
});
