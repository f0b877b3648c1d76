import type { FastifyInstance } from 'fastify';
import { KioskError } from '../../common/errors.ts';
import { batchRequestSchema, enrollRequestSchema, passagesRequestSchema, statusRequestSchema, type EnrollResponse } from '../../common/wire.ts';
import { normaliseCode, serverPublicKeyOf } from '../store/rules.ts';
import type { Device } from '../store/store.ts';
import { DEFAULT_ENROLL_LIMITS, type RouteContext } from './context.ts';
import { RateLimitedError } from './plumbing.ts';

/** What kiosks call: enrollment, then requests signed with the device key. */
export function kioskRoutes(app: FastifyInstance, { store, now, options, bodyOf, signed, isOperator }: RouteContext): void {
  const limits = { ...DEFAULT_ENROLL_LIMITS, ...options.enrollLimits };

  app.get('/v1/time', async () => ({ serverTime: now() }));

  app.post('/v1/enroll', async (req, reply) => {
    // Counted before the body is looked at: a 50-bit code must not be guessable at wire speed. The
    // operator's token lifts the per-address limit for bulk provisioning (one site, hundreds of kiosks).
    if (!isOperator(req)) {
      const byAddress = await store.takeRateLimit(`enroll:ip:${req.ip}`, limits.perAddress.limit, limits.perAddress.windowMs);
      if (!byAddress.allowed) throw new RateLimitedError(`too many enrollment attempts from ${req.ip}: wait and try again`, byAddress.retryAfterMs);
    }
    const body = bodyOf(req, enrollRequestSchema);
    const byCode = await store.takeRateLimit(`enroll:code:${normaliseCode(body.code)}`, limits.perCode.limit, limits.perCode.windowMs);
    if (!byCode.allowed) throw new RateLimitedError('too many attempts with this enrollment code: wait, or ask for a new code', byCode.retryAfterMs);
    const { device, venue } = await store.enroll(body.code, body.publicKey, body.name);
    const answer: EnrollResponse = {
      deviceId: device.id,
      venueId: venue.id,
      venue: { name: venue.name, kind: venue.kind },
      serverTime: now(),
      riskListKey: device.riskKey.toString('base64url'),
      serverPublicKey: serverPublicKeyOf(store.serverKey),
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
    return { deviceId: device.id, revokedAt: await store.revokeDevice(device.id) };
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
}
