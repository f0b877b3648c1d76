import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../services/tokens.ts';
import type { Device, ServerStore } from '../store/store.ts';
import type { Action } from './roles.ts';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface ServerOptions {
  store: ServerStore;
  /** A bearer token that acts as role `operator` (besides the role tokens in the database). */
  adminToken?: string;
  /** Largest request body accepted on the wire, compressed (default 16 MiB). */
  bodyLimitBytes?: number;
  /** Largest body after gunzip (default 64 MiB): a zip bomb stops here. */
  inflatedLimitBytes?: number;
  /** Enrollment attempts per source address (default 30 a minute) and per code (default 10 in 15 minutes). */
  enrollLimits?: { perAddress?: RateLimit; perCode?: RateLimit };
  /** Trace and exposure requests per token (default 30 a minute): a stolen token cannot dump the database fast. */
  traceLimit?: RateLimit;
  /** Entries are kept this many days (default 21): a trace window may not be longer. */
  retentionDays?: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy only). */
  trustProxy?: boolean;
  now?: () => number;
  logger?: boolean;
  /** How long a web console session lasts (default 8 h). */
  consoleSessionMs?: number;
  /**
   * Uploads (batches, passages) one worker works on at once (default 64); more are answered 503
   * server-busy with Retry-After at once, so those taken are answered quickly instead of all waiting.
   */
  maxInflightUploads?: number;
}

export const DEFAULT_MAX_INFLIGHT_UPLOADS = 64;

export const DEFAULT_TRACE_LIMIT: RateLimit = { limit: 30, windowMs: 60_000 };

export const DEFAULT_ENROLL_LIMITS = {
  perAddress: { limit: 30, windowMs: 60_000 },
  perCode: { limit: 10, windowMs: 15 * 60_000 },
} as const;

declare module 'fastify' {
  interface FastifyRequest {
    device?: Device;
  }
}

/** What a route module gets: the store, the clock and the shared request checks. */
export interface RouteContext {
  store: ServerStore;
  now: () => number;
  options: ServerOptions;
  bodyOf: <S extends z.ZodType>(req: FastifyRequest, schema: S) => z.output<S>;
  /** preHandler: a kiosk's signed request (sets req.device, signs the server time into the answer). */
  signed: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** preHandler: the operator's bearer token (role `operator`). */
  admin: (req: FastifyRequest) => Promise<void>;
  /**
   * The caller's principal if its role may do `action` (server/http/roles.ts): 401 for a missing,
   * unknown or revoked token, 403 for a role without the action or a venue token asking about
   * another venue (`venueId` is the venue the request is about).
   */
  authorize: (req: FastifyRequest, action: Action, venueId?: string) => Promise<Principal>;
  /** True when the request carries the operator's bearer token. */
  isOperator: (req: FastifyRequest) => boolean;
}

