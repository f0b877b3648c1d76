import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../services/tokens.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { ACTIONS, ROLE_ACTIONS, ROLES, can, rolesFor } from './roles.ts';

describe('role table', () => {
  it('names only known actions and gives every action to some role', () => {
    for (const role of ROLES) for (const a of ROLE_ACTIONS[role]) expect(ACTIONS).toContain(a);
    for (const a of ACTIONS) expect(rolesFor(a).length).toBeGreaterThan(0);
  });

  it('keeps tracing with health and venue management with the operator', () => {
    expect(can('health', 'trace')).toBe(true);
    expect(['ict', 'venue', 'operator'].some((r) => can(r as 'ict', 'trace'))).toBe(false);
    expect(can('operator', 'venues.manage')).toBe(true);
    expect(can('health', 'venues.manage')).toBe(false);
  });
});

describe('role tokens on the API', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ adminToken: 'secret-admin' });
  });
  afterEach(() => server.close());

  const get = (url: string, token?: string) => server.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const tokenFor = async (role: string, venueId?: string) =>
    (await issueToken(server.store.tracing, { role, now: Date.now(), ...(venueId ? { venueId } : {}) })).token;

  it('lets the admin token act as operator', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/venues', payload: { name: 'Chợ Đông Ba', kind: 'market' }, headers: { authorization: 'Bearer secret-admin' } });
    expect(res.statusCode).toBe(201);
  });

  it('answers 401 without a token and for an unknown one', async () => {
    expect((await get('/v1/entries/count')).statusCode).toBe(401);
    const res = await get('/v1/entries/count', `kst_${'A'.repeat(43)}`);
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthorized']);
  });

  it('answers 403 naming the roles for a role without the action', async () => {
    const ict = await tokenFor('ict');
    const res = await server.app.inject({ method: 'POST', url: '/v1/venues', payload: { name: 'X', kind: 'market' }, headers: { authorization: `Bearer ${ict}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/role ict may not venues.manage: this needs a operator token/);
  });

  it('answers 401 for a revoked token', async () => {
    const issued = await issueToken(server.store.tracing, { role: 'health', now: Date.now() });
    expect((await get('/v1/entries/count', issued.token)).statusCode).toBe(200);
    await server.store.tracing.revokeToken(issued.row.id);
    const res = await get('/v1/entries/count', issued.token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/revoked/);
  });

  it("keeps a venue token to its own venue's report and export", async () => {
    const a = await server.store.createVenue('Bệnh viện A', 'hospital');
    const b = await server.store.createVenue('Bến xe B', 'bus-station');
    const venueA = await tokenFor('venue', a.venueId);
    expect((await get(`/v1/venues/${a.venueId}/report?month=2021-09`, venueA)).statusCode).toBe(200);
    expect((await get(`/v1/entries?venueId=${a.venueId}`, venueA)).statusCode).toBe(200);
    const other = await get(`/v1/venues/${b.venueId}/report?month=2021-09`, venueA);
    expect([other.statusCode, other.json().error.message]).toEqual([403, `this token is for venue ${a.venueId}, not ${b.venueId}`]);
    expect((await get(`/v1/entries?venueId=${b.venueId}`, venueA)).statusCode).toBe(403);
    expect((await get('/v1/entries', venueA)).statusCode).toBe(403);
  });

  it('audits every export with the token id, never the token', async () => {
    const issued = await issueToken(server.store.tracing, { role: 'health', now: Date.now() });
    expect((await get('/v1/entries?limit=5', issued.token)).statusCode).toBe(200);
    const [record] = await server.store.tracing.listAudit();
    expect(record).toMatchObject({ actor: issued.row.id, role: 'health', action: 'export', resultCount: 0, detail: { limit: 5 } });
    expect(JSON.stringify(record)).not.toContain(issued.token);
  });
});

describe('token issue', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it('stores only the SHA-256 of a 256-bit token', async () => {
    const { token, row } = await issueToken(server.store.tracing, { role: 'health', now: 1 });
    expect(token).toMatch(/^kst_[A-Za-z0-9_-]{43}$/);
    const stored = server.store.db.prepare('SELECT * FROM api_tokens').all();
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an unknown role, a venue token without a venue, and a venue that does not exist', async () => {
    await expect(issueToken(server.store.tracing, { role: 'admin', now: 1 })).rejects.toThrow(/not a role/);
    await expect(issueToken(server.store.tracing, { role: 'venue', now: 1 })).rejects.toThrow(/needs --venue/);
    await expect(issueToken(server.store.tracing, { role: 'venue', venueId: "v_1' OR 1=1 --", now: 1 })).rejects.toThrow(/does not exist/);
    await expect(issueToken(server.store.tracing, { role: 'health', venueId: 'v_1', now: 1 })).rejects.toThrow(/only for role venue/);
  });

  it('keeps the audit append-only', async () => {
    await server.store.tracing.appendAudit({ at: 1, actor: 'a', role: 'health', action: 'trace', subjectHash: null, fromMs: 0, toMs: 1, resultCount: 0, detail: {} });
    expect(() => server.store.db.prepare('UPDATE audit_log SET result_count = 5').run()).toThrow(/append-only/);
    expect(() => server.store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });
});
