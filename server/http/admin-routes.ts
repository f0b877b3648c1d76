import type { FastifyInstance } from 'fastify';
import { KioskError } from '../../common/errors.ts';
import { codesRequestSchema, trustImportSchema, venueCreateSchema } from '../../common/wire.ts';
import type { RouteContext } from './context.ts';

/** The operator's endpoints, behind the admin token. */
export function adminRoutes(app: FastifyInstance, { store, bodyOf, admin }: RouteContext): void {
  app.put('/v1/trust-list', { preHandler: admin }, async (req) => {
    const body = bodyOf(req, trustImportSchema);
    return store.trustList.import(body.certificates, body.valueSets ?? undefined);
  });

  app.post('/v1/venues', { preHandler: admin }, async (req, reply) => {
    const body = bodyOf(req, venueCreateSchema);
    return reply.code(201).send(await store.createVenue(body.name, body.kind));
  });

  app.post('/v1/venues/:venueId/codes', { preHandler: admin }, async (req, reply) => {
    const { venueId } = req.params as { venueId: string };
    const body = bodyOf(req, codesRequestSchema);
    const codes = [];
    for (let i = 0; i < body.count; i++) codes.push(await store.issueEnrollmentCode(venueId, body.ttlHours * 3600_000));
    return reply.code(201).send({ venueId, codes });
  });

  app.get('/v1/entries', { preHandler: admin }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new KioskError('bad-request', 'limit must be 1-100000');
    if (q.fields !== undefined && q.fields !== 'keys') throw new KioskError('bad-request', 'fields must be "keys" or absent');
    if (q.fields === 'keys') {
      return { entries: await store.entryKeys({ ...(q.venueId ? { venueId: q.venueId } : {}), ...(q.after ? { afterEntryId: q.after } : {}), limit }) };
    }
    return {
      entries: await store.listEntries({
        ...(q.venueId ? { venueId: q.venueId } : {}),
        ...(q.deviceId ? { deviceId: q.deviceId } : {}),
        ...(q.after ? { afterEntryId: q.after } : {}),
        limit,
      }),
    };
  });

  app.get('/v1/entries/count', { preHandler: admin }, async () => ({ count: await store.countEntries() }));

  app.get('/v1/venues/:venueId/report', { preHandler: admin }, async (req) => {
    const { venueId } = req.params as { venueId: string };
    const q = req.query as Record<string, string | undefined>;
    if ((q.month === undefined) === (q.date === undefined)) throw new KioskError('bad-request', 'give exactly one of month=YYYY-MM or date=YYYY-MM-DD');
    return store.report(venueId, q.month !== undefined ? { month: q.month } : { date: q.date as string });
  });

  app.get('/v1/devices/:deviceId/gaps', { preHandler: admin }, async (req) => {
    const { deviceId } = req.params as { deviceId: string };
    if (!(await store.device(deviceId))) throw new KioskError('not-found', `device ${deviceId} does not exist`);
    return { deviceId, gaps: await store.gaps(deviceId) };
  });
}
