import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { WireEntry } from '../../common/wire.ts';
import { wireEntry } from '../../test/helpers/entries.ts';
import { issueToken } from '../services/tokens.ts';
import { enrollDevice, signedHeaders, startTestServer, type EnrolledDevice, type TestServer } from '../../test/helpers/server.ts';

const T = Date.UTC(2021, 8, 1, 1); // 08:00 in Vietnam
const CASE = '079303001234';
const CONTACT = '001203004567';

const entry = (seq: number, id: string, atMs: number): WireEntry => wireEntry(seq, { recordedAt: atMs, subject: { type: 'cccd', id } });

describe('trace and exposure endpoints', () => {
  let server: TestServer;
  let device: EnrolledDevice;
  let health: string;

  beforeEach(async () => {
    server = await startTestServer({ traceLimit: { limit: 5, windowMs: 60_000 } });
    device = await enrollDevice(server.store);
    const raw = Buffer.from(JSON.stringify({ batchId: uuidv7(), deviceId: device.deviceId, entries: [entry(1, CASE, T), entry(2, CONTACT, T + 600_000)] }));
    const up = await server.app.inject({ method: 'POST', url: '/v1/batches', payload: raw, headers: { 'content-type': 'application/json', ...signedHeaders(device, 'POST', '/v1/batches', raw) } });
    expect(up.statusCode).toBe(200);
    health = (await issueToken(server.store.tracing, { role: 'health', now: Date.now() })).token;
  });
  afterEach(() => server.close());

  const trace = (query: Record<string, string>, token = health) =>
    server.app.inject({ method: 'GET', url: '/v1/trace', query, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const good = { subject: `cccd:${CASE}`, from: '2021-09-01', to: '2021-09-02' };

  it('answers the contacts as JSON and as CSV, and audits each query', async () => {
    const res = await trace(good);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ visits: [{ venueId: device.venueId }], contacts: [{ subject: { type: 'cccd', id: CONTACT }, degree: 'F1' }] });
    const csv = await trace({ ...good, format: 'csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.body.startsWith('\uFEFFMức tiếp xúc')).toBe(true);
    const audit = await server.app.inject({ method: 'GET', url: '/v1/audit', headers: { authorization: `Bearer ${health}` } });
    expect(audit.json<{ records: Array<{ action: string; resultCount: number }> }>().records.map((r) => [r.action, r.resultCount])).toEqual([
      ['trace', 1],
      ['trace', 1],
    ]);
    expect(audit.body).not.toContain(CASE);
  });

  it('refuses other roles (403) and missing or revoked tokens (401)', async () => {
    const ict = (await issueToken(server.store.tracing, { role: 'ict', now: 1 })).token;
    expect((await trace(good, ict)).statusCode).toBe(403);
    const venue = (await issueToken(server.store.tracing, { role: 'venue', venueId: device.venueId, now: 1 })).token;
    expect((await trace(good, venue)).statusCode).toBe(403);
    expect((await trace(good, '')).statusCode).toBe(401);
    const revoked = await issueToken(server.store.tracing, { role: 'health', now: 1 });
    await server.store.tracing.revokeToken(revoked.row.id);
    expect((await trace(good, revoked.token)).statusCode).toBe(401);
  });

  const hostile = ["' OR 1=1 --", '"; DROP TABLE entries; --', 'x'.repeat(10_000), '%00', '\u0000'];
  it.each(['subject', 'from', 'to', 'margin', 'depth', 'blind'])('refuses hostile values of %s with a 400 naming it, echoing little', async (field) => {
    for (const value of hostile) {
      const query: Record<string, string> = field === 'blind' ? { from: good.from, to: good.to, blind: value } : { ...good, [field]: value };
      const res = await trace(query, (await issueToken(server.store.tracing, { role: 'health', now: 1 })).token);
      expect(res.statusCode, `${field}=${value.slice(0, 20)}`).toBe(400);
      expect(res.json().error.code).toBe('bad-request');
      expect(res.json().error.message).toMatch(new RegExp(`^${field === 'margin' ? 'margin' : field}:`));
      expect(res.body.length).toBeLessThan(600);
    }
    expect(await server.store.countEntries()).toBe(2);
  });

  it.each([
    [{ ...good, subject: 'ssn:123456789' }, /^subject: unknown subject type "ssn"/],
    [{ ...good, subject: 'cccd:12345' }, /^subject: a cccd number is 12 digits/],
    [{ ...good, subject: 'cmnd:12' }, /^subject: a cmnd number is 9 digits/],
    [{ ...good, from: '2021-09-03' }, /^from: must be before to/],
    [{ ...good, to: '2021-12-31' }, /^to: the window is longer than the 21-day retention/],
  ])('refuses %j', async (query, message) => {
    const res = await trace(query);
    expect([res.statusCode, res.json().error.message]).toEqual([400, expect.stringMatching(message)]);
  });

  it('limits a trace storm per token with 429 and Retry-After while kiosks are still served', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await trace(good)).statusCode);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await trace(good);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error.code).toBe('rate-limited');
    // Another official's token has its own budget, and kiosks are not slowed at all.
    const other = (await issueToken(server.store.tracing, { role: 'health', now: 1 })).token;
    expect((await trace(good, other)).statusCode).toBe(200);
    const raw = Buffer.from(JSON.stringify({ subject: { type: 'cccd', id: CASE } }));
    const status = await server.app.inject({ method: 'POST', url: '/v1/status', payload: raw, headers: { 'content-type': 'application/json', ...signedHeaders(device, 'POST', '/v1/status', raw) } });
    expect(status.statusCode).toBe(200);
  });

  const exposure = (body: unknown, token = health) =>
    server.app.inject({ method: 'POST', url: '/v1/exposure', payload: body as object, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('ranks outbreak venues for a list of cases', async () => {
    const res = await exposure({ cases: [`cccd:${CASE}`], from: good.from, to: good.to });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ cases: 1, casesWithVisits: 1, venues: [{ venueId: device.venueId, cases: 1, exposed: 1, exposedCases: 0 }] });
  });

  it('names the broken cases by index, and refuses hostile bodies', async () => {
    const res = await exposure({ cases: [`cccd:${CASE}`, 'ssn:1', "cccd:0' OR 1=1", 'x'.repeat(10_000)], from: good.from, to: good.to });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/cases\.1: unknown subject type "ssn".*cases\.2: a cccd number.*cases\.3: longer than 200 characters/);
    expect(res.body.length).toBeLessThan(1000);
    expect((await exposure({ cases: [], from: good.from, to: good.to })).statusCode).toBe(400);
    expect((await exposure({ cases: [`cccd:${CASE}`], from: good.to, to: good.from })).json().error.message).toMatch(/^from: must be before to/);
    expect((await exposure({ cases: [`cccd:${CASE}`], from: good.from, to: good.to, extra: 1 })).statusCode).toBe(400);
    const ict = (await issueToken(server.store.tracing, { role: 'ict', now: 1 })).token;
    expect((await exposure({ cases: [`cccd:${CASE}`], from: good.from, to: good.to }, ict)).statusCode).toBe(403);
  });
});
