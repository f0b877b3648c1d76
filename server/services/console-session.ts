import { createHash, createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import type { TracingStore } from '../store/tracing.ts';
import { hashToken, principalOf, type Principal } from './tokens.ts';

/**
 * Web console sessions (issue 14). The cookie carries no secret of its own: it names the role
 * token by its hash (what the database already stores) with an expiry, sealed with an HMAC key
 * derived from the server key. Every worker on the database can check it without shared memory,
 * and every request still looks the token up, so revoking the token ends its sessions at once.
 */
export const SESSION_COOKIE = 'kiosk_console';
export const DEFAULT_SESSION_MS = 8 * 3600_000;
/** Cookie-authenticated API calls carry this header: a cross-site form or image cannot send it. */
export const CONSOLE_HEADER = 'x-kiosk-console';

const payloadSchema = z.strictObject({ v: z.literal(1), h: z.string().regex(/^(admin:)?[0-9a-f]{64}$/), exp: z.number().int() });

export class ConsoleSessions {
  private readonly key: Buffer;
  private readonly store: TracingStore;
  private readonly adminToken: string | undefined;
  private readonly now: () => number;
  readonly sessionMs: number;

  constructor(options: { serverKey: KeyObject; store: TracingStore; adminToken?: string; now: () => number; sessionMs?: number }) {
    const secret = options.serverKey.export({ format: 'der', type: 'pkcs8' });
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'kiosk-console-session-v1', 32));
    this.store = options.store;
    this.adminToken = options.adminToken;
    this.now = options.now;
    this.sessionMs = options.sessionMs ?? DEFAULT_SESSION_MS;
  }

  /** Logs in with a role token: the principal and the cookie value, or 401 as for the API. */
  async open(token: string): Promise<{ principal: Principal; cookie: string; expiresAt: number }> {
    const principal = await principalOf(this.store, token, this.adminToken, sameSecret);
    const expiresAt = this.now() + this.sessionMs;
    const h = principal.actor === 'admin-token' ? `admin:${sha256(token)}` : hashToken(token);
    return { principal, cookie: this.seal({ v: 1, h, exp: expiresAt }), expiresAt };
  }

  /** The principal of a session cookie: 401 when it is forged, expired, or its token was revoked. */
  async principal(cookie: string): Promise<Principal & { expiresAt: number }> {
    const payload = this.unseal(cookie);
    if (payload.exp <= this.now()) throw new KioskError('unauthorized', 'the console session has expired: log in again with your token');
    if (payload.h.startsWith('admin:')) {
      if (this.adminToken === undefined || payload.h !== `admin:${sha256(this.adminToken)}`) throw new KioskError('unauthorized', 'the admin token of this session changed: log in again');
      return { actor: 'admin-token', role: 'operator', expiresAt: payload.exp };
    }
    const row = await this.store.tokenByHash(payload.h);
    if (!row) throw new KioskError('unauthorized', 'the token of this session is unknown: log in again');
    if (row.revokedAt !== undefined) throw new KioskError('unauthorized', `token ${row.id} was revoked: ask for a new one`);
    return { actor: row.id, role: row.role, ...(row.venueId === undefined ? {} : { venueId: row.venueId }), expiresAt: payload.exp };
  }

  private seal(payload: z.infer<typeof payloadSchema>): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private unseal(cookie: string): z.infer<typeof payloadSchema> {
    const [body, mac, extra] = cookie.split('.');
    if (body === undefined || mac === undefined || extra !== undefined || !sameSecret(mac, this.mac(body))) {
      throw new KioskError('unauthorized', 'the console session is not valid: log in again');
    }
    const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success) throw new KioskError('unauthorized', 'the console session is not valid: log in again');
    return parsed.data;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Cross-site requests are refused before a session is looked at: the browser says where a request
 * comes from (Sec-Fetch-Site, Origin), and cookie-authenticated API calls must carry the console's
 * header, which a page of another site cannot add without a CORS preflight this server never grants.
 */
export function checkSameSite(headers: Record<string, string | string[] | undefined>, needsHeader: boolean): void {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new KioskError('forbidden', 'cross-site request refused');
  const origin = headers.origin;
  const host = headers.host;
  if (typeof origin === 'string' && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new KioskError('forbidden', 'cross-site request refused');
    }
    if (originHost !== host) throw new KioskError('forbidden', 'cross-site request refused');
  } else if (origin === 'null') {
    throw new KioskError('forbidden', 'cross-site request refused');
  }
  if (needsHeader && headers[CONSOLE_HEADER] !== '1') throw new KioskError('forbidden', `console requests carry ${CONSOLE_HEADER}: 1; cross-site request refused`);
}
