import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { KioskError } from '../../common/errors.ts';
import { subjectKeyText } from '../../common/subject-id.ts';
import { audit, auditHash, auditKeyOf } from '../../server/services/audit.ts';
import { traceCsv, vnTime } from '../../server/services/trace-csv.ts';
import { exposure, exposureCsv, parseCases } from '../../server/services/exposure.ts';
import { importIdentities, parseIdentityLines } from '../../server/services/identities.ts';
import { DEFAULT_MARGIN_MIN, DEFAULT_RETENTION_DAYS, MAX_MARGIN_MIN, parseDwell, parseTraceParams, parseWindow, traceCase, type TraceResult } from '../../server/services/tracing.ts';
import { fail, printJson } from './output.ts';
import { cliPrincipal } from './principal.ts';
import { dbOf, withStore } from './server.ts';

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

export interface ExposureCommandOptions {
  db?: string;
  cases: string;
  from: string;
  to: string;
  marginMin?: string;
  dwell?: string;
  retentionDays?: number;
  json?: boolean;
  csv?: boolean;
}

/** `kiosk server exposure`: the cases file is read whole; an error names each bad line. */
export async function exposureCommand(o: ExposureCommandOptions): Promise<void> {
  if (o.json && o.csv) fail(new KioskError('bad-request', 'give --json or --csv, not both'));
  let cases: ReturnType<typeof parseCases>;
  let window: { fromMs: number; toMs: number; marginMs: number };
  let dwell: ReturnType<typeof parseDwell>;
  try {
    let text: string;
    try {
      text = readFileSync(o.cases, 'utf8');
    } catch (err) {
      throw new KioskError('bad-request', `--cases ${o.cases}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    cases = parseCases(text.split(/\r?\n/), (i) => `${o.cases} line ${i + 1}`);
    const marginMin = o.marginMin === undefined ? DEFAULT_MARGIN_MIN : Number(o.marginMin);
    if (!/^\d{1,4}$/.test(o.marginMin ?? '0') || marginMin > MAX_MARGIN_MIN) throw new KioskError('bad-request', `margin: minutes 0-${MAX_MARGIN_MIN}`);
    window = { ...parseWindow(o.from, o.to, o.retentionDays ?? DEFAULT_RETENTION_DAYS), marginMs: marginMin * 60_000 };
    dwell = parseDwell(o.dwell);
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(o), async (store) => {
    const result = await exposure(store, cases, window, { dwell });
    await audit(store.tracing, cliPrincipal(), 'exposure', Date.now(), {
      subjectHash: auditHash(auditKeyOf(store.serverKey), cases.map(subjectKeyText)),
      fromMs: window.fromMs,
      toMs: window.toMs,
      resultCount: result.venues.length,
      detail: { cases: cases.length, marginMin: result.marginMin },
    });
    if (o.json) return printJson(result);
    if (o.csv) return void process.stdout.write(exposureCsv(result));
    process.stdout.write(`${result.cases} cases (${result.casesWithVisits} with visits), ${result.venues.length} venues\n`);
    for (const v of result.venues) {
      process.stdout.write(`${String(v.exposed).padStart(6)} exposed (${v.exposedCases} cases)  ${v.cases} case(s) visited ${vnTime(v.firstCaseVisit)} – ${vnTime(v.lastCaseVisit)}  ${v.venueName} (${v.venueId})\n`);
    }
  });
}

/** `kiosk server identities import FILE`: the person registry (QID ↔ CCCD ↔ CMND) from another system. */
export async function identitiesImport(o: { db?: string; file: string; json?: boolean }): Promise<void> {
  let people: ReturnType<typeof parseIdentityLines>;
  try {
    let text: string;
    try {
      text = readFileSync(o.file, 'utf8');
    } catch (err) {
      throw new KioskError('bad-request', `${o.file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    people = parseIdentityLines(text.split(/\r?\n/), (i) => `${o.file} line ${i + 1}`);
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(o), async (store) => {
    const r = await importIdentities(store.tracing, people, `import:${basename(o.file)}`);
    if (o.json) printJson(r);
    else process.stdout.write(`linked ${r.links} identifiers of ${r.people} people\n`);
  });
}
