import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { subjectKeyText } from '../../common/subject-id.ts';
import { audit, auditHash, auditKeyOf } from '../services/audit.ts';
import type { Principal } from '../services/tokens.ts';
import { traceCsv } from '../services/trace-csv.ts';
import { exposure, exposureCsv, MAX_CASES, parseCases } from '../services/exposure.ts';
import { DEFAULT_MARGIN_MIN, DEFAULT_RETENTION_DAYS, MAX_MARGIN_MIN, parseTraceParams, parseWindow, traceCase } from '../services/tracing.ts';
import { DEFAULT_TRACE_LIMIT, type RouteContext } from './context.ts';
import { RateLimitedError } from './plumbing.ts';

/** The health department's endpoints: trace and exposure, rate-limited per token and audited. */
const exposureRequestSchema = z.strictObject({
  /** One `TYPE:ID` per case; checked one by one so an error can name the index. */
  cases: z.array(z.string().max(10_000)).min(1).max(MAX_CASES),
  from: z.string().max(40),
  to: z.string().max(40),
  marginMin: z.number().int().min(0).max(MAX_MARGIN_MIN).optional(),
});

export function traceRoutes(app: FastifyInstance, { store, now, options, authorize, bodyOf }: RouteContext): void {
  const limit = options.traceLimit ?? DEFAULT_TRACE_LIMIT;
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const auditKey = auditKeyOf(store.serverKey);

  /** Role first, then the per-token budget: a wrong role learns nothing and spends nothing. */
  const allow = async (req: FastifyRequest, action: 'trace' | 'exposure' | 'audit.read'): Promise<Principal> => {
    const principal = await authorize(req, action);
    const taken = await store.takeRateLimit(`trace:${principal.actor}`, limit.limit, limit.windowMs);
    if (!taken.allowed) throw new RateLimitedError(`too many trace requests with token ${principal.actor}: wait and try again`, taken.retryAfterMs);
    return principal;
  };

  const send = (reply: FastifyReply, format: unknown, json: unknown, csv: () => string) => {
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="truy-vet.csv"').send(csv());
    return reply.send(json);
  };

  app.get('/v1/trace', async (req, reply) => {
    const principal = await allow(req, 'trace');
    const q = req.query as Record<string, unknown>;
    const query = parseTraceParams({ subject: q.subject, blind: q.blind, from: q.from, to: q.to, marginMin: q.margin, depth: q.depth }, retentionDays);
    const result = await traceCase(store, query);
    await audit(store.tracing, principal, 'trace', now(), {
      subjectHash: auditHash(auditKey, query.keys.kind === 'subjects' ? query.keys.subjects.map(subjectKeyText) : query.keys.indexes),
      fromMs: query.fromMs,
      toMs: query.toMs,
      resultCount: result.contacts.length,
      detail: { depth: query.depth, marginMin: result.marginMin, by: query.keys.kind },
    });
    return send(reply, q.format, result, () => traceCsv(result));
  });

  app.post('/v1/exposure', async (req, reply) => {
    const principal = await allow(req, 'exposure');
    const body = bodyOf(req, exposureRequestSchema);
    const cases = parseCases(body.cases, (i) => `cases.${i}`);
    const { fromMs, toMs } = parseWindow(body.from, body.to, retentionDays);
    const result = await exposure(store, cases, { fromMs, toMs, marginMs: (body.marginMin ?? DEFAULT_MARGIN_MIN) * 60_000 });
    await audit(store.tracing, principal, 'exposure', now(), {
      subjectHash: auditHash(auditKey, cases.map(subjectKeyText)),
      fromMs,
      toMs,
      resultCount: result.venues.length,
      detail: { cases: cases.length, marginMin: result.marginMin },
    });
    const q = req.query as Record<string, unknown>;
    return send(reply, q.format, result, () => exposureCsv(result));
  });

  app.get('/v1/audit', async (req) => {
    await authorize(req, 'audit.read');
    const q = req.query as Record<string, unknown>;
    const after = q.after === undefined ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) throw new KioskError('bad-request', 'after: a record number (0 or more)');
    return { records: await store.tracing.listAudit({ afterSeq: after, limit: 1000 }) };
  });
}
