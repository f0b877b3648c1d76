import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { subjectKeyText } from '../../common/subject-id.ts';
import { audit, auditHash, auditKeyOf } from '../services/audit.ts';
import type { Principal } from '../services/tokens.ts';
import { traceCsv } from '../services/trace-csv.ts';
import { DEFAULT_RETENTION_DAYS, parseTraceParams, traceCase } from '../services/tracing.ts';
import { DEFAULT_TRACE_LIMIT, type RouteContext } from './context.ts';
import { RateLimitedError } from './plumbing.ts';

/** The health department's endpoints: trace and exposure, rate-limited per token and audited. */
export function traceRoutes(app: FastifyInstance, { store, now, options, authorize }: RouteContext): void {
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
}
