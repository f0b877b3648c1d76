import { createHash, randomBytes } from 'node:crypto';
import { KioskError } from '../../common/errors.ts';
import { can, isRole, rolesFor, VENUE_SCOPED_ACTIONS, type Action, type Role } from '../http/roles.ts';
import type { TokenRow, TracingStore } from '../store/tracing.ts';

/**
 * Role tokens: 256 random bits, shown once, stored only as SHA-256 (a stolen database gives no
 * usable token; a plain hash is enough because the token is random, not a password). The prefix
 * lets secret scanners and people recognise one in a paste.
 */
export const TOKEN_PREFIX = 'kst_';
const TOKEN_SHAPE = /^kst_[A-Za-z0-9_-]{43}$/;

/** Who is asking: what the audit records and what the role table is read for. */
export interface Principal {
  /** A token id, `admin-token` (the server's --admin-token) or `cli:<user>`. */
  actor: string;
  role: Role;
  /** For role `venue`: the only venue it may see. */
  venueId?: string;
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface IssuedToken {
  token: string;
  row: TokenRow;
}

export async function issueToken(store: TracingStore, options: { role: string; venueId?: string; label?: string; now: number }): Promise<IssuedToken> {
  if (!isRole(options.role)) throw new KioskError('bad-request', `--role ${options.role} is not a role: use health, ict, venue or operator`);
  if (options.role === 'venue' && options.venueId === undefined) throw new KioskError('bad-request', 'a venue token needs --venue ID (the one venue it may see)');
  if (options.role !== 'venue' && options.venueId !== undefined) throw new KioskError('bad-request', `--venue is only for role venue, not ${options.role}`);
  if (options.label !== undefined && options.label.length > 200) throw new KioskError('bad-request', '--label is longer than 200 characters');
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row: TokenRow = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    hash: hashToken(token),
    role: options.role,
    createdAt: options.now,
    ...(options.venueId === undefined ? {} : { venueId: options.venueId }),
    ...(options.label === undefined ? {} : { label: options.label }),
  };
  await store.addToken(row);
  return { token, row };
}

/**
 * The principal behind a bearer token: the server's --admin-token acts as `operator`; anything
 * else must be a stored, unrevoked role token. Unknown and revoked tokens are 401.
 */
export async function principalOf(store: TracingStore, bearer: string, adminToken: string | undefined, sameSecret: (a: string, b: string) => boolean): Promise<Principal> {
  if (bearer === '') throw new KioskError('unauthorized', 'send Authorization: Bearer <token> (kiosk server token add makes one)');
  if (adminToken !== undefined && sameSecret(bearer, adminToken)) return { actor: 'admin-token', role: 'operator' };
  if (!TOKEN_SHAPE.test(bearer)) throw new KioskError('unauthorized', 'token not recognised');
  const row = await store.tokenByHash(hashToken(bearer));
  if (!row) throw new KioskError('unauthorized', 'token not recognised');
  if (row.revokedAt !== undefined) throw new KioskError('unauthorized', `token ${row.id} was revoked on ${new Date(row.revokedAt).toISOString()}: ask for a new one`);
  return { actor: row.id, role: row.role, ...(row.venueId === undefined ? {} : { venueId: row.venueId }) };
}

/**
 * The role table's answer for one request: 403 for a role without the action, and for a venue
 * token asking about another venue. `venueId` is the venue the request is about, if any.
 */
export function checkAllowed(principal: Principal, action: Action, venueId?: string): void {
  if (!can(principal.role, action)) {
    throw new KioskError('forbidden', `role ${principal.role} may not ${action}: this needs a ${rolesFor(action).join(' or ')} token`);
  }
  if (principal.role === 'venue' && VENUE_SCOPED_ACTIONS.includes(action)) {
    if (venueId === undefined) throw new KioskError('forbidden', `a venue token must name its venue (${principal.venueId ?? '?'})`);
    if (venueId !== principal.venueId) throw new KioskError('forbidden', `this token is for venue ${principal.venueId ?? '?'}, not ${venueId}`);
  }
}
