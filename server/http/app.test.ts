import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { rawPublicKey } from '../../core/identity/device-key.ts';
import type { WireEntry } from '../../common/wire.ts';
import { wireEntry } from '../../test/helpers/entries.ts';
import { postgresAvailable, schemaPerCase, startPostgres, type PgCluster } from '../../test/helpers/postgres.ts';
import { enrollDevice, signedHeaders, startTestServer, setStatus, tempDirRemovedAtExit, type EnrolledDevice, type TestServer } from '../../test/helpers/server.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { ServerStore } from '../store/store.ts';

const entry = (seq: number, overrides: Partial<WireEntry> = {}): WireEntry => wireEntry(seq, { recordedAt: Date.UTC(2021, 8, 1, 8) + seq, subject: { type: 'cccd', id: '079303001234' }, ...overrides });

// The same requests, the same answers, on both engines: what SQLite refuses, PostgreSQL refuses alike.
const hasPostgres = postgresAvailable();
let cluster: PgCluster | undefined;
let freshSchema: (() => Promise<string>) | undefined;
beforeAll(async () => {
  if (!hasPostgres) return;
  cluster = await startPostgres();
  freshSchema = schemaPerCase(cluster, 'http');
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

async function storeOf(engine: string, now?: () => number): Promise<ServerStore> {
  if (engine === 'sqlite') return new SqliteStore(join(tempDirRemovedAtExit('kiosk-server-'), 'server.db'), now);
  if (!freshSchema) throw new Error('the PostgreSQL cluster did not start');
  return PostgresStore.open(await freshSchema(), { poolSize: 4, ...(now ? { now } : {}) });
}

describe.each(hasPostgres ? ['sqlite', 'postgres'] : ['sqlite'])('reference server on %s', (engine) => {
  let server: TestServer<ServerStore>;
  let device: EnrolledDevice;

  beforeEach(async () => {
    server = await startTestServer({ adminToken: 'secret-admin', store: await storeOf(engine) });
    device = await enrollDevice(server.store);
  });
  afterEach(() => server.close());

  const post = (path: string, body: unknown, opts: { gzip?: boolean; headers?: (raw: Buffer) => Record<string, string>; raw?: Buffer } = {}) => {
    const json = opts.raw ?? Buffer.from(JSON.stringify(body));
    const payload = opts.gzip ? gzipSync(json) : json;
    return server.app.inject({
      method: 'POST',
      url: path,
      payload,
      headers: {
        'content-type': 'application/json',
        ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
        ...(opts.headers ? opts.headers(payload) : signedHeaders(device, 'POST', path, payload)),
      },
    });
  };
  const batch = (entries: WireEntry[], batchId = uuidv7()) => ({ batchId, deviceId: device.deviceId, entries });

  describe('enrollment', () => {
    const enroll = (code: string) => {
      const { publicKey } = generateKeyPairSync('ed25519');
      return post('/v1/enroll', { code, publicKey: rawPublicKey(publicKey) }, { headers: () => ({}) });
    };

    it('trades a one-time code for a device identity, once', async () => {
      const { enrollmentCode, venueId } = await server.store.createVenue('Bến xe Miền Đông', 'bus-station');
      const first = await enroll(enrollmentCode.toLowerCase().replace('-', ''));
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ venueId, venue: { name: 'Bến xe Miền Đông', kind: 'bus-station' } });
      const again = await enroll(enrollmentCode);
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'enroll-code-used']);
    });

    it('refuses an unknown and an expired code', async () => {
      const unknown = await enroll('AAAAA-AAAAA');
      expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'enroll-code-invalid']);
      const { venueId } = await server.store.createVenue('Chợ Bến Thành', 'market');
      const { code } = await server.store.issueEnrollmentCode(venueId, -1);
      const expired = await enroll(code);
      expect([expired.statusCode, expired.json().error.code]).toEqual([410, 'enroll-code-expired']);
    });

    it('answers 429 with Retry-After once a source address has guessed too often, and lets a right code through later', async () => {
      let clock = Date.UTC(2021, 8, 1);
      const limited = await startTestServer({ now: () => clock, store: await storeOf(engine, () => clock), enrollLimits: { perAddress: { limit: 3, windowMs: 60_000 }, perCode: { limit: 100, windowMs: 60_000 } } });
      try {
        const guess = (code: string) => {
          const { publicKey } = generateKeyPairSync('ed25519');
          return limited.app.inject({ method: 'POST', url: '/v1/enroll', payload: { code, publicKey: rawPublicKey(publicKey) } });
        };
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await guess(`AAAAA-AAAA${i}`)).statusCode);
        expect(statuses).toEqual([404, 404, 404, 429]);
        const { enrollmentCode } = await limited.store.createVenue('Trường THPT Lê Quý Đôn', 'school');
        const refused = await guess(enrollmentCode);
        expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([429, 'rate-limited', '60']);
        clock += 61_000;
        expect((await guess(enrollmentCode)).statusCode).toBe(201);
      } finally {
        await limited.close();
      }
    });

    it('limits attempts per code whatever address they come from', async () => {
      const limited = await startTestServer({ store: await storeOf(engine), enrollLimits: { perAddress: { limit: 1000, windowMs: 60_000 }, perCode: { limit: 2, windowMs: 600_000 } } });
      try {
        const { publicKey } = generateKeyPairSync('ed25519');
        const attempt = () => limited.app.inject({ method: 'POST', url: '/v1/enroll', payload: { code: 'bbbbb-bbbbb', publicKey: rawPublicKey(publicKey) } });
        expect([(await attempt()).statusCode, (await attempt()).statusCode]).toEqual([404, 404]);
        const third = await attempt();
        expect([third.statusCode, third.json().error.code]).toEqual([429, 'rate-limited']);
        expect(Number(third.headers['retry-after'])).toBeGreaterThan(500);
      } finally {
        await limited.close();
      }
    });
  });

  describe('signed requests', () => {
    const status = { subject: { type: 'cccd', id: '079303001234' } };

    it('answers a signed status lookup', async () => {
      await setStatus(server.store, { type: 'cccd', id: '079303001234' }, 'red', ['F1'], 1);
      const res = await post('/v1/status', status);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'red', flags: ['F1'] });
    });

    it('rejects an unsigned request', async () => {
      const res = await post('/v1/status', status, { headers: () => ({}) });
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthorized']);
    });

    it('rejects a signature made with another key', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const res = await post('/v1/status', status, { headers: (raw) => signedHeaders(device, 'POST', '/v1/status', raw, { key: privateKey }) });
      expect([res.statusCode, res.json().error.message]).toEqual([401, 'signature does not verify']);
    });

    it('rejects a body that differs from the signed digest', async () => {
      const res = await post('/v1/status', status, { headers: () => signedHeaders(device, 'POST', '/v1/status', Buffer.from('{}')) });
      expect(res.statusCode).toBe(401);
    });

    it('rejects a replayed request', async () => {
      const raw = Buffer.from(JSON.stringify(status));
      const headers = signedHeaders(device, 'POST', '/v1/status', raw);
      expect((await post('/v1/status', status, { raw, headers: () => headers })).statusCode).toBe(200);
      const replay = await post('/v1/status', status, { raw, headers: () => headers });
      expect([replay.statusCode, replay.json().error.code]).toEqual([401, 'replayed']);
    });

    it('tells a kiosk with a wrong clock the server time instead of locking it out', async () => {
      const res = await post('/v1/status', status, { headers: (raw) => signedHeaders(device, 'POST', '/v1/status', raw, { timestamp: String(Date.now() - 86_400_000) }) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('clock-skew');
      expect(Math.abs(res.json().error.serverTime - Date.now())).toBeLessThan(5000);
    });

    it("refuses a batch that names another device", async () => {
      const other = await enrollDevice(server.store);
      const res = await post('/v1/batches', { ...batch([entry(1)]), deviceId: other.deviceId });
      expect([res.statusCode, res.json().error.code]).toEqual([403, 'forbidden']);
    });
  });

  describe('batch ingest', () => {
    it('stores a gzipped batch and acknowledges its seq range', async () => {
      const res = await post('/v1/batches', batch([entry(1), entry(2), entry(3)]), { gzip: true });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ accepted: 3, duplicates: 0, acked: [{ from: 1, to: 3 }], gaps: [], replayed: false });
      expect(await server.store.countEntries()).toBe(3);
    });

    it('answers a repeated batch id without storing anything twice', async () => {
      const b = batch([entry(1), entry(2)]);
      await post('/v1/batches', b, { gzip: true });
      const again = await post('/v1/batches', b, { gzip: true });
      expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2, replayed: true, acked: [{ from: 1, to: 2 }] });
      expect(await server.store.countEntries()).toBe(2);
    });

    it('stores each entry id once even when another batch carries it', async () => {
      const e = [entry(1), entry(2)];
      await post('/v1/batches', batch(e));
      const res = await post('/v1/batches', batch([...e, entry(3)]));
      expect(res.json()).toMatchObject({ accepted: 1, duplicates: 2 });
      expect(await server.store.countEntries()).toBe(3);
    });

    it('reports missing seq ranges of the device', async () => {
      await post('/v1/batches', batch([entry(1), entry(2)]));
      const res = await post('/v1/batches', batch([entry(6), entry(7)]));
      expect(res.json().gaps).toEqual([{ from: 3, to: 5 }]);
      await post('/v1/batches', batch([entry(3), entry(4), entry(5)]));
      expect(await server.store.gaps(device.deviceId)).toEqual([]);
    });

    it.each([
      ['not JSON', Buffer.from('{"batchId":'), 400, 'bad-request'],
      ['a batch without entries', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'x', entries: [] })), 400, 'bad-request'],
      ['an entry with a negative seq', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'x', entries: [{ ...entry(1), seq: -1 }] })), 400, 'bad-request'],
      ['an entry with a seq beyond 2^53', Buffer.from(`{"batchId":"${randomUUID()}","deviceId":"x","entries":[${JSON.stringify(entry(1)).replace('"seq":1', '"seq":9007199254740993')}]}`), 400, 'bad-request'],
      ['an entry with an unknown field', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'x', entries: [{ ...entry(1), name: 'Nguyễn Văn A' }] })), 400, 'bad-request'],
      ['a batch that names another device', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'd_someone_else', entries: [entry(1)] })), 403, 'forbidden'],
    ])('rejects %s with a clear 4xx and stores nothing', async (_label, raw, status, code) => {
      const res = await post('/v1/batches', undefined, { raw });
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
      expect(await server.store.countEntries()).toBe(0);
    });

    it.each([
      ['a NUL character in a subject id', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'x', entries: [entry(1, { subject: { type: 'cccd', id: '0793\u000003001234' } })] })), 'entries.0.subject.id'],
      ['a lone surrogate in a reason', Buffer.from(JSON.stringify({ batchId: randomUUID(), deviceId: 'x', entries: [entry(1, { reasons: ['\ud800'] })] })), 'entries.0.reasons.0'],
      ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"batchId":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'UTF-8'],
    ])('rejects %s with 400 naming where, and stores nothing', async (_label, raw, where) => {
      const res = await post('/v1/batches', undefined, { raw });
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'bad-request']);
      expect(res.json().error.message).toContain(where);
      expect(await server.store.countEntries()).toBe(0);
    });

    it('rejects a 100 MB body with 413', async () => {
      const raw = Buffer.alloc(100 * 1024 * 1024, 0x20);
      const res = await post('/v1/batches', undefined, { raw, headers: () => ({}) });
      expect([res.statusCode, res.json().error.code]).toEqual([413, 'payload-too-large']);
    });

    it('stops a gzip bomb at the inflated-size cap', async () => {
      const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20));
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/batches',
        payload: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...signedHeaders(device, 'POST', '/v1/batches', bomb) },
      });
      expect([res.statusCode, res.json().error.code]).toEqual([413, 'payload-too-large']);
    });
  });

  describe('decommissioned devices', () => {
    it('refuses every signed request of a revoked device, after its signature is checked', async () => {
      const res = await post('/v1/decommission', {});
      expect(res.statusCode).toBe(200);
      const refused = await post('/v1/batches', batch([entry(1)]));
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'forbidden']);
      expect(refused.json().error.message).toMatch(/decommissioned/);
      expect(await server.store.countEntries()).toBe(0);
    });
  });

  describe('admin', () => {
    it('lists entries only with the admin token', async () => {
      await post('/v1/batches', batch([entry(1)]));
      const denied = await server.app.inject({ method: 'GET', url: '/v1/entries' });
      expect(denied.statusCode).toBe(401);
      const res = await server.app.inject({ method: 'GET', url: '/v1/entries', headers: { authorization: 'Bearer secret-admin' } });
      expect(res.json().entries).toHaveLength(1);
      expect(res.json().entries[0]).toMatchObject({ deviceId: device.deviceId, seq: 1 });
    });
  });
});

describe('admission control for uploads', () => {
  it('answers 503 server-busy with Retry-After past the limit without touching the store, and takes uploads again once one is answered', async () => {
    const server = await startTestServer({ maxInflightUploads: 1 });
    try {
      const device = await enrollDevice(server.store);
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const ingest = server.store.ingestBatch.bind(server.store);
      let ingested = 0;
      let inStore = (): void => undefined;
      const entered = new Promise<void>((resolve) => (inStore = resolve));
      server.store.ingestBatch = async (...args) => {
        inStore();
        await held;
        ingested++;
        return ingest(...args);
      };
      const upload = (seq: number, signal?: AbortSignal) => {
        const payload = Buffer.from(JSON.stringify({ batchId: uuidv7(), deviceId: device.deviceId, entries: [entry(seq)] }));
        const headers = { 'content-type': 'application/json', ...signedHeaders(device, 'POST', '/v1/batches', payload) };
        return fetch(`${server.url}/v1/batches`, { method: 'POST', body: payload, headers, ...(signal ? { signal } : {}) });
      };
      const first = upload(1);
      await entered;
      // Without admission control this one would wait behind the held one: cut it short.
      const second = await upload(2, AbortSignal.timeout(5000));
      expect(second.status).toBe(503);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe('server-busy');
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(3);
      expect(ingested).toBe(0);
      release();
      expect((await first).status).toBe(200);
      // The slot is free again: the retried upload is taken and stored.
      expect((await upload(2)).status).toBe(200);
      expect(ingested).toBe(2);
      expect(await server.store.countEntries()).toBe(2);
    } finally {
      await server.close();
    }
  });
});
