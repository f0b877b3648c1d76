import { userInfo } from 'node:os';
import { KioskError } from '../../common/errors.ts';
import { subjectKeyText } from '../../common/subject-id.ts';
import { audit, auditHash, auditKeyOf } from '../../server/services/audit.ts';
import type { Principal } from '../../server/services/tokens.ts';
import { traceCsv, vnTime } from '../../server/services/trace-csv.ts';
import { DEFAULT_RETENTION_DAYS, parseDwell, parseTraceParams, traceCase, type TraceResult } from '../../server/services/tracing.ts';
import { fail, printJson } from './output.ts';
import { dbOf, withStore } from './server.ts';

/** A command run on the server's database acts with the health role; the audit names the OS user. */
export function cliPrincipal(): Principal {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid): the audit still says it was the command line.
  }
  return { actor: `cli:${user}`, role: 'health' };
}

export interface TraceCommandOptions {
  db?: string;
  subject: string;
  from: string;
  to: string;
  marginMin?: string;
  depth?: string;
  dwell?: string;
  retentionDays?: number;
  json?: boolean;
  csv?: boolean;
}

export async function traceCommand(o: TraceCommandOptions): Promise<void> {
  if (o.json && o.csv) fail(new KioskError('bad-request', 'give --json or --csv, not both'));
  let query: ReturnType<typeof parseTraceParams>;
  let dwell: ReturnType<typeof parseDwell>;
  try {
    query = parseTraceParams({ subject: o.subject, from: o.from, to: o.to, marginMin: o.marginMin, depth: o.depth }, o.retentionDays ?? DEFAULT_RETENTION_DAYS);
    dwell = parseDwell(o.dwell);
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(o), async (store) => {
    const result = await traceCase(store, query, { dwell });
    await audit(store.tracing, cliPrincipal(), 'trace', Date.now(), {
      subjectHash: auditHash(auditKeyOf(store.serverKey), query.keys.kind === 'subjects' ? query.keys.subjects.map(subjectKeyText) : []),
      fromMs: query.fromMs,
      toMs: query.toMs,
      resultCount: result.contacts.length,
      detail: { depth: query.depth, marginMin: result.marginMin, by: 'subjects' },
    });
    printTrace(result, o);
  });
}

export function printTrace(result: TraceResult, o: { json?: boolean; csv?: boolean }): void {
  if (o.json) return printJson(result);
  if (o.csv) {
    process.stdout.write(traceCsv(result));
    return;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`${result.visits.length} visits, ${result.contacts.length} contacts (${result.identifiers} identifiers followed, margin ${result.marginMin} min)`);
  for (const v of result.visits) out(`visit  ${vnTime(v.from)} – ${vnTime(v.to)}  ${v.venueName} (${v.venueId})${v.exitSeen ? '' : ' [dwell]'}`);
  for (const c of result.contacts) {
    const who = c.subject ? `${c.subject.type}:${c.subject.id}` : 'sealed';
    out(`${c.degree}     ${vnTime(c.at)}  ${who}  ${c.venueName} (${c.venueId})  ${Math.round(c.overlapMs / 60_000)} min`);
  }
  if (result.truncated) out('(depth 2 followed only the first 500 F1 contacts)');
}
