import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sign, timingSafeEqual } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { KioskError, isErrorCode, type ErrorCode } from '../common/errors.ts';
import {
  batchRequestSchema,
  enrollRequestSchema,
  passagesRequestSchema,
  SERVER_TIME_HEADERS,
  serverTimeSigningString,
  SIGNATURE_HEADERS,
  statusRequestSchema,
  trustImportSchema,
  venueCreateSchema,
  type EnrollResponse,
  type WireError,
} from '../common/wire.ts';
import { ClockSkewError, SignatureVerifier } from './auth.ts';
import type { Device, ServerStore } from './store.ts';

export interface ServerOptions {
  store: ServerStore;
  /** Bearer token for the admin endpoints; without one they answer 404. */
  adminToken?: string;
  /** Largest request body accepted on the wire, compressed (default 16 MiB). */
  bodyLimitBytes?: number;
  /** Largest body after gunzip (default 64 MiB): a zip bomb stops here. */
  inflatedLimitBytes?: number;
  now?: () => number;
  logger?: boolean;
}

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
};

declare module 'fastify' {
  interface FastifyRequest {
    device?: Device;
  }
}

/**
 * The reference tracing server (docs/api.md). Every body is read as raw bytes first: the signature
 * covers the bytes as sent, and gzip is inflated by us with a size cap.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { store } = options;
  const now = options.now ?? Date.now;
  const verifier = new SignatureVerifier(store, now);
  const inflatedLimit = options.inflatedLimitBytes ?? 64 * 1024 * 1024;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    keepAliveTimeout: 65_000,
    // Kiosk ids, nonces and signatures are short; anything huge in a header is hostile.
    routerOptions: { maxParamLength: 200 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (_req, _payload, done) =>
    done(new KioskError('unsupported-media-type', 'send application/json (optionally with content-encoding: gzip)'), undefined),
  );

  app.setErrorHandler((err: unknown, _req, reply) => sendError(reply, err));
  app.setNotFoundHandler((_req, reply) => sendError(reply, new KioskError('not-found', 'no such endpoint')));

  const bodyOf = <S extends z.ZodType>(req: FastifyRequest, schema: S): z.output<S> => {
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
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new KioskError('bad-request', 'body is not valid JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new KioskError('bad-request', `body does not match the API at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    return parsed.data;
  };

  const signed = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.device = verifier.verify(req.method, req.url, req.headers, raw);
    // The server's time, signed over this request's nonce: a kiosk without a real-time clock can trust it.
    const time = String(now());
    const nonce = String(req.headers[SIGNATURE_HEADERS.nonce]);
    reply.header(SERVER_TIME_HEADERS.time, time);
    reply.header(SERVER_TIME_HEADERS.signature, sign(null, Buffer.from(serverTimeSigningString(time, nonce)), store.serverKey).toString('base64url'));
  };

  const admin = async (req: FastifyRequest): Promise<void> => {
    const token = options.adminToken;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!token) throw new KioskError('not-found', 'admin endpoints are disabled (start the server with --admin-token)');
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new KioskError('unauthorized', 'admin token required');
  };

  app.get('/v1/time', async () => ({ serverTime: now() }));

  app.post('/v1/enroll', async (req, reply) => {
    const body = bodyOf(req, enrollRequestSchema);
    const { device, venue } = store.enroll(body.code, body.publicKey, body.name);
    const answer: EnrollResponse = {
      deviceId: device.id,
      venueId: venue.id,
      venue: { name: venue.name, kind: venue.kind },
      serverTime: now(),
      riskListKey: device.riskKey.toString('base64url'),
      serverPublicKey: store.serverPublicKey(),
    };
    return reply.code(201).send(answer);
  });

  app.get('/v1/whoami', { preHandler: signed }, async (req) => {
    const device = req.device as Device;
    return { deviceId: device.id, venueId: device.venueId, serverTime: now() };
  });

  // Decommissioning: the device (signing with its own key) retires its identity. Idempotent.
  app.post('/v1/decommission', { preHandler: signed }, async (req) => {
    const device = req.device as Device;
    return { deviceId: device.id, revokedAt: store.revokeDevice(device.id) };
  });

  app.post('/v1/status', { preHandler: signed }, async (req) => {
    const body = bodyOf(req, statusRequestSchema);
    return store.lookupStatus(body.subject);
  });

  app.get('/v1/risk-list', { preHandler: signed }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const cursor = Number(q.cursor ?? '0');
    if (!Number.isInteger(cursor) || cursor < 0) throw new KioskError('bad-request', 'cursor must be a non-negative integer');
    if (q.after !== undefined && !/^[0-9a-f]{32}$/.test(q.after)) throw new KioskError('bad-request', 'after must be 32 hex digits');
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new KioskError('bad-request', 'limit must be a positive integer');
    return store.riskListPage(cursor, q.after, limit);
  });

  app.get('/v1/trust-list', { preHandler: signed }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const since = Number(q.since ?? '0');
    if (!Number.isInteger(since) || since < 0) throw new KioskError('bad-request', 'since must be a non-negative integer');
    return store.trustList.since(since);
  });

  app.put('/v1/trust-list', { preHandler: admin }, async (req) => {
    const body = bodyOf(req, trustImportSchema);
    return store.trustList.import(body.certificates, body.valueSets ?? undefined);
  });

  app.post('/v1/batches', { preHandler: signed }, async (req) => {
    const body = bodyOf(req, batchRequestSchema);
    const device = req.device as Device;
    if (body.deviceId !== device.id) {
      throw new KioskError('forbidden', `batch names device ${body.deviceId} but was signed by ${device.id}`);
    }
    const key = req.headers['idempotency-key'];
    if (key !== undefined && key !== body.batchId) throw new KioskError('bad-request', 'idempotency-key must equal batchId');
    return store.ingestBatch(device, body);
  });

  app.post('/v1/passages', { preHandler: signed }, async (req) => {
    const body = bodyOf(req, passagesRequestSchema);
    const device = req.device as Device;
    if (body.deviceId !== device.id) throw new KioskError('forbidden', `passages name device ${body.deviceId} but were signed by ${device.id}`);
    return store.applyPassages(device, body.passages);
  });

  app.post('/v1/venues', { preHandler: admin }, async (req, reply) => {
    const body = bodyOf(req, venueCreateSchema);
    return reply.code(201).send(store.createVenue(body.name, body.kind));
  });

  app.get('/v1/entries', { preHandler: admin }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new KioskError('bad-request', 'limit must be 1-100000');
    return {
      entries: store.listEntries({
        ...(q.venueId ? { venueId: q.venueId } : {}),
        ...(q.deviceId ? { deviceId: q.deviceId } : {}),
        ...(q.after ? { afterEntryId: q.after } : {}),
        limit,
      }),
    };
  });

  app.get('/v1/venues/:venueId/report', { preHandler: admin }, async (req) => {
    const { venueId } = req.params as { venueId: string };
    const q = req.query as Record<string, string | undefined>;
    if ((q.month === undefined) === (q.date === undefined)) throw new KioskError('bad-request', 'give exactly one of month=YYYY-MM or date=YYYY-MM-DD');
    return store.report(venueId, q.month !== undefined ? { month: q.month } : { date: q.date as string });
  });

  app.get('/v1/devices/:deviceId/gaps', { preHandler: admin }, async (req) => {
    const { deviceId } = req.params as { deviceId: string };
    if (!store.device(deviceId)) throw new KioskError('not-found', `device ${deviceId} does not exist`);
    return { deviceId, gaps: store.gaps(deviceId) };
  });

  return app;
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
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
  const body: WireError = { error: { code, message, ...(err instanceof ClockSkewError ? { serverTime: err.serverTime } : {}) } };
  return reply.code(status).send(body);
}
