import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TokenRow, TracingStore } from '../store/tracing.ts';
import { checkSameSite, ConsoleSessions, cookieValue } from './console-session.ts';
import { hashToken } from './tokens.ts';

const TOKEN = `kst_${'a'.repeat(43)}`;

function fakeTokens(rows: TokenRow[]): TracingStore {
  return { tokenByHash: async (hash: string) => rows.find((r) => r.hash === hash) } as unknown as TracingStore;
}

describe('ConsoleSessions', () => {
  const serverKey = generateKeyPairSync('ed25519').privateKey;
  const row: TokenRow = { id: 'tok_1', hash: hashToken(TOKEN), role: 'ict', createdAt: 0 };
  let now = 1_000_000;
  const sessions = new ConsoleSessions({ serverKey, store: fakeTokens([row]), now: () => now, sessionMs: 60_000 });

  it('opens a session for a role token; the cookie holds neither the token nor its role in a form that can be changed', async () => {
    const { principal, cookie, expiresAt } = await sessions.open(TOKEN);
    expect(principal).toEqual({ actor: 'tok_1', role: 'ict' });
    expect(expiresAt).toBe(now + 60_000);
    expect(cookie).not.toContain(TOKEN);
    expect(await sessions.principal(cookie)).toMatchObject({ actor: 'tok_1', role: 'ict' });
    const [body, mac] = cookie.split('.');
    const tampered = Buffer.from(JSON.stringify({ v: 1, h: hashToken('other'), exp: now + 1e9 })).toString('base64url');
    await expect(sessions.principal(`${tampered}.${mac ?? ''}`)).rejects.toThrow(/not valid/);
    await expect(sessions.principal(`${body ?? ''}.x`)).rejects.toThrow(/not valid/);
  });

  it('refuses an expired session, even when the browser keeps sending the cookie', async () => {
    const { cookie } = await sessions.open(TOKEN);
    now += 60_001;
    await expect(sessions.principal(cookie)).rejects.toThrow(/console session has expired: log in again/);
  });

  it('ends sessions when their token is revoked, and refuses unknown tokens at login', async () => {
    const { cookie } = await sessions.open(TOKEN);
    row.revokedAt = now;
    await expect(sessions.principal(cookie)).rejects.toThrow(/tok_1 was revoked/);
    await expect(sessions.open(`kst_${'b'.repeat(43)}`)).rejects.toThrow(/token not recognised/);
  });
});

describe('checkSameSite', () => {
  it('refuses cross-site requests and cookie calls without the console header', () => {
    expect(() => checkSameSite({ host: 'a:1', origin: 'http://a:1', 'sec-fetch-site': 'same-origin', 'x-kiosk-console': '1' }, true)).not.toThrow();
    expect(() => checkSameSite({ host: 'a:1', origin: 'http://evil:1' }, false)).toThrow(/cross-site request refused/);
    expect(() => checkSameSite({ host: 'a:1', 'sec-fetch-site': 'cross-site' }, false)).toThrow(/cross-site/);
    expect(() => checkSameSite({ host: 'a:1', origin: 'null' }, false)).toThrow(/cross-site/);
    expect(() => checkSameSite({ host: 'a:1' }, true)).toThrow(/x-kiosk-console/);
  });

  it('reads one cookie from a Cookie header', () => {
    expect(cookieValue('a=1; kiosk_console=xyz.abc; b=2', 'kiosk_console')).toBe('xyz.abc');
    expect(cookieValue(undefined, 'kiosk_console')).toBeUndefined();
  });
});
