import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { KioskError, isErrorCode, type ErrorCode } from '../../common/errors.ts';
import type { WireError } from '../../common/wire.ts';
import { isStorableText } from '../store/rules.ts';
import { ClockSkewError } from './auth.ts';

/** What every route shares: body decoding with limits, the error envelope, bearer tokens. */

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  'bad-request': 400,
  'payload-invalid': 400,
  unauthorized: 401,
  'clock-skew': 401,
  replayed: 401,
  forbidden: 403,
  'not-found': 404,
  'enroll-code-invalid': 404,
  'enroll-code-used': 409,
  'enroll-code-expired': 410,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  'store-unavailable': 503,
  'server-busy': 503,
};

/** A 429 that tells the client when to come back. */
export class RateLimitedError extends KioskError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super('rate-limited', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** How long a client waits before retrying while the database is away. */
export const STORE_RETRY_AFTER_S = 2;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAYBE_UNSTORABLE = /\\u(?:0000|d[89a-f])/i;

/** Reads a JSON body as bytes: gzip inflated with a cap, UTF-8 checked, then the schema. */
export function bodyOf<S extends z.ZodType>(req: FastifyRequest, schema: S, inflatedLimit: number): z.output<S> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let bytes = raw;
  const encoding = req.headers['content-encoding'];
  if (encoding === 'gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: inflatedLimit });
    } catch (err) {
      const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(String(err));
      throw new KioskError(tooBig ? 'payload-too-large' : 'bad-request', tooBig ? `inflated body exceeds ${inflatedLimit} bytes` : 'body is not valid gzip');
    }
  } else if (encoding !== undefined && encoding !== 'identity') {
    throw new KioskError('unsupported-media-type', `content-encoding ${encoding} is not supported (use gzip)`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new KioskError('bad-request', 'body is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KioskError('bad-request', 'body is not valid JSON');
  }
  // Valid UTF-8 holds no lone surrogate and JSON no raw NUL: only a \u escape can bring either in,
  // so the walk over every string runs only for a body that has such an escape.
  const badText = MAYBE_UNSTORABLE.test(text) ? unstorableTextAt(json, []) : undefined;
  if (badText) throw new KioskError('bad-request', `body has a NUL character or a lone surrogate at ${badText.join('.') || '(root)'}: neither can be stored`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KioskError('bad-request', `body does not match the API at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/** The path of the first string (key or value) PostgreSQL could not store, else undefined. */
function unstorableTextAt(value: unknown, path: Array<string | number>): Array<string | number> | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = unstorableTextAt(v, [...path, i]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorableText(k)) return [...path, '(key)'];
      const found = unstorableTextAt(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

export function bearerToken(req: FastifyRequest): string {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  let code: ErrorCode = 'internal';
  let message = 'internal error';
  let status = 500;
  const fastifyCode = (err as { code?: unknown }).code;
  if (err instanceof KioskError) {
    code = err.code;
    message = err.message;
    status = STATUS_OF[code] ?? 500;
  } else if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    code = 'payload-too-large';
    message = 'request body too large';
    status = 413;
  } else if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP')) {
    code = 'bad-request';
    message = (err as Error).message;
    status = 400;
  } else if (isErrorCode(fastifyCode)) {
    code = fastifyCode;
  }
  if (err instanceof RateLimitedError) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  if (code === 'store-unavailable') reply.header('retry-after', String(STORE_RETRY_AFTER_S));
  // Spread over 1–3 s, so refused uploads do not all come back at once.
  if (code === 'server-busy') reply.header('retry-after', String(1 + Math.floor(Math.random() * 3)));
  const body: WireError = { error: { code, message, ...(err instanceof ClockSkewError ? { serverTime: err.serverTime } : {}) } };
  return reply.code(status).send(body);
}
