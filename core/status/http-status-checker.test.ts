import type { output, ZodType } from 'zod';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/clock.ts';
import type { Subject } from '../../common/wire.ts';
import { enrollDevice, startTestServer, type TestServer, setStatus } from '../../test/helpers/server.ts';
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
    await setStatus(server.store, subject, 'green', [], 1);
    const device = await enrollDevice(server.store);
    // A budget no busy machine exceeds: this test is about the answer, not the budget.
    const checker = new HttpStatusChecker({ http: new HttpClient({ baseUrl: server.url, identity: device.identity, clock: systemClock }), clock: systemClock, budgetMs: 10_000, cacheTtlMs: 60_000 });
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
    // Generous, because a busy machine runs the budget timer late; a hang would wait forever.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(answer).toMatchObject({ source: 'offline', status: 'unknown' });
    expect(changes).toEqual([false]);
    await stalled.close();
  });

  it('retries once inside the budget after a quick failure', async () => {
    const http = new Scripted([
      { ok: false, status: 503, code: 'server-unreachable', message: 'busy' },
      { ok: true, status: 200, value: { status: 'yellow', flags: [], declaredAt: null, ttlMs: 1000 } },
    ]);
    const checker = new HttpStatusChecker({ http, clock: systemClock, budgetMs: 10_000, cacheTtlMs: 60_000 });
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

/** A status server that misbehaves in one of the ways issue 6 names. */
async function badServer(mode: 'garbage' | 'html' | '500' | '429' | 'huge' | 'drip') {
  const { createServer: createHttp } = await import('node:http');
  let requests = 0;
  let hugeBytesSent = 0;
  const server = createHttp((req, res) => {
    requests++;
    req.resume();
    switch (mode) {
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('\u0000\u00ff{{{not json');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Captive portal: please log in</body></html>');
        return;
      case '500':
        res.writeHead(500).end('{"error":{"code":"internal","message":"boom"}}');
        return;
      case '429':
        res.writeHead(429, { 'retry-after': '30' }).end('{"error":{"code":"rate-limited","message":"slow down"}}');
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 50 * 1024 * 1024) {
            sent += chunk.length;
            hugeBytesSent = Math.max(hugeBytesSent, sent);
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const body = '{"status":"green","flags":[],"declaredAt":null,"ttlMs":1000}';
        let i = 0;
        const t = setInterval(() => {
          if (res.destroyed || i >= body.length) {
            clearInterval(t);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(body[i++]!);
        }, 50);
        return;
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    requests: () => requests,
    hugeBytesSent: () => hugeBytesSent,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('HttpStatusChecker against a misbehaving server', () => {
  it.each(['garbage', 'html', '500', '429', 'huge', 'drip'] as const)('treats %s as offline, without crashing or flooding', async (mode) => {
    const bad = await badServer(mode);
    const changes: boolean[] = [];
    const checker = new HttpStatusChecker({
      http: new HttpClient({ baseUrl: bad.url, clock: systemClock }),
      clock: systemClock,
      budgetMs: 300,
      cacheTtlMs: 60_000,
      onConnectivity: (online) => changes.push(online),
    });
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const answer = await checker.check({ type: 'cccd', id: `07930300000${i}` });
      expect(answer.source).toBe('offline');
      // Functional bound only: a verdict never waits on a bad server (precise figures: npm run bench);
      // generous, because a busy machine runs the budget timer late.
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    // One transition to offline, not one per failure: the guard's strip and the log stay calm.
    expect(changes).toEqual([false]);
    if (mode === '429') expect(bad.requests()).toBe(1);
    // The 50 MB answer is cut off after the 4 MiB cap (plus socket buffers), on every request.
    if (mode === 'huge') expect(bad.hugeBytesSent()).toBeLessThan(20 * 1024 * 1024);
    await bad.close();
  });
});
