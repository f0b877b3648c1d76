import type { FastifyInstance } from 'fastify';
import { KioskError } from '../../common/errors.ts';
import { codesRequestSchema, trustImportSchema, venueCreateSchema } from '../../common/wire.ts';
import { adminUnits } from '../services/admin-units.ts';
import type { RouteContext } from './context.ts';

/** The operator's endpoints and the listings other roles share; each checks its action in roles.ts. */
export function adminRoutes(app: FastifyInstance, { store, now, bodyOf, authorize }: RouteContext): void {
  app.put('/v1/trust-list', async (req) => {
    await authorize(req, 'trust-list.manage');
    const body = bodyOf(req, trustImportSchema);
    return store.trustList.import(body.certificates, body.valueSets ?? undefined);
  });

  app.post('/v1/venues', async (req, reply) => {
    await authorize(req, 'venues.manage');
    const body = bodyOf(req, venueCreateSchema);
    // Checked before the venue is made: a refused commune leaves nothing behind.
    const location = body.commune === undefined ? undefined : adminUnits().locate({ commune: body.commune });
    const created = await store.createVenue(body.name, body.kind);
    if (location) await store.deployment.setVenueLocation(created.venueId, location);
    return reply.code(201).send({ ...created, ...(location ? { location } : {}) });
  });

  app.post('/v1/venues/:venueId/codes', async (req, reply) => {
    await authorize(req, 'venues.manage');
    const { venueId } = req.params as { venueId: string };
    const body = bodyOf(req, codesRequestSchema);
    const codes = [];
    for (let i = 0; i < body.count; i++) codes.push(await store.issueEnrollmentCode(venueId, body.ttlHours * 3600_000));
    return reply.code(201).send({ venueId, codes });
  });

  app.get('/v1/entries', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    // With a venue named this is that venue's export (a venue token: only its own); without, all entries.
    const principal = q.venueId !== undefined ? await authorize(req, 'venue.export', q.venueId) : await authorize(req, 'entries.read');
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new KioskError('bad-request', 'limit must be 1-100000');
    if (q.fields !== undefined && q.fields !== 'keys') throw new KioskError('bad-request', 'fields must be "keys" or absent');
    if (q.fields === 'keys') {
      // Entry ids and seqs only (the load generator's check): nothing personal, so not an audited export.
      return { entries: await store.entryKeys({ ...(q.venueId ? { venueId: q.venueId } : {}), ...(q.after ? { afterEntryId: q.after } : {}), limit }) };
    }
    const entries = await store.listEntries({
      ...(q.venueId ? { venueId: q.venueId } : {}),
      ...(q.deviceId ? { deviceId: q.deviceId } : {}),
      ...(q.after ? { afterEntryId: q.after } : {}),
      limit,
    });
    await store.tracing.appendAudit({
      at: now(),
      actor: principal.actor,
      role: principal.role,
      action: 'export',
      subjectHash: null,
      fromMs: null,
      toMs: null,
      resultCount: entries.length,
      detail: { ...(q.venueId ? { venueId: q.venueId.slice(0, 64) } : {}), ...(q.deviceId ? { deviceId: q.deviceId.slice(0, 64) } : {}), limit },
    });
    return { entries };
  });

  app.get('/v1/entries/count', async (req) => {
    await authorize(req, 'entries.count');
    return { count: await store.countEntries() };
  });

  app.get('/v1/venues/:venueId/report', async (req) => {
    const { venueId } = req.params as { venueId: string };
    await authorize(req, 'venue.report', venueId);
    const q = req.query as Record<string, string | undefined>;
    if ((q.month === undefined) === (q.date === undefined)) throw new KioskError('bad-request', 'give exactly one of month=YYYY-MM or date=YYYY-MM-DD');
    return store.report(venueId, q.month !== undefined ? { month: q.month } : { date: q.date as string });
  });

  app.get('/v1/devices/:deviceId/gaps', async (req) => {
    await authorize(req, 'devices.manage');
    const { deviceId } = req.params as { deviceId: string };
    if (!(await store.device(deviceId))) throw new KioskError('not-found', `device ${deviceId} does not exist`);
    return { deviceId, gaps: await store.gaps(deviceId) };
  });
}
