import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Subject } from '../../common/wire.ts';
import { deploymentReport } from '../../server/services/deployment.ts';
import { exposure } from '../../server/services/exposure.ts';
import { subjectsSeen } from '../../server/services/presence.ts';
import { entrySeedPlan, seedEntries } from '../../server/services/seed-entries.ts';
import { traceCase } from '../../server/services/tracing.ts';
import { PostgresStore } from '../../server/store/postgres/postgres-store.ts';
import { TRACE_SQL } from '../../server/store/postgres/tracing.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { postgresAvailable, startPostgres, type PgCluster } from '../../test/helpers/postgres.ts';
import { distribution, type Suite } from './common.ts';
import { timeConsoleFirstPage, type ConsoleTiming } from './console-timing.ts';

/**
 * Tracing at scale (issues 13 and 14) on the database `kiosk server seed --entries N` makes:
 * venues of every kind across the provinces, people with habitual venues, daily rhythms, 14 days
 * ending a week ago. Sizes and engines from the environment:
 *
 * - KIOSK_BENCH_TRACE_ENTRIES (default 1,000,000): entries seeded;
 * - KIOSK_BENCH_TRACE_ENGINES (default `sqlite,postgres`): which engines, PostgreSQL in a throwaway cluster;
 * - KIOSK_BENCH_TRACE_SQLITE_PATH: a SQLite file seeded already (`kiosk server seed --db FILE --entries N`);
 * - KIOSK_BENCH_TRACE_PG_URL: a PostgreSQL database seeded already (`kiosk server seed --db URL --entries N`)
 *   to measure instead of seeding one (for the 50-million run, whose load alone takes most of an hour).
 *
 * Figures: trace p50/p99 over 100 different cases with about 20 visits each (depth 1, margin
 * 30 min, the 14 days), exposure for 50 of them over the 14 days, the deployment report of
 * Thừa Thiên Huế (46) for the month holding most seeded days, and the plans of their queries
 * (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
 */
const DAY = 86_400_000;
const VN = 7 * 3600_000;
const MARGIN = 30 * 60_000;

export const tracingSuite: Suite = {
  name: 'tracing',
  description: 'trace p50/p99 over 100 cases, exposure for 50 cases, deployment report, plans; SQLite and PostgreSQL on a seeded database',
  async run(log) {
    const entries = Number(process.env.KIOSK_BENCH_TRACE_ENTRIES ?? 1_000_000);
    const engines = (process.env.KIOSK_BENCH_TRACE_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim());
    const results: Record<string, unknown> = { entries };
    if (engines.includes('sqlite')) {
      const given = process.env.KIOSK_BENCH_TRACE_SQLITE_PATH;
      const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'kiosk-bench-trace-'));
      try {
        const store = new SqliteStore(given ?? join(dir as string, 'server.db'));
        try {
          results.sqlite = await measure(store, entries, log, !given);
        } finally {
          await store.close();
        }
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
    if (engines.includes('postgres') && (process.env.KIOSK_BENCH_TRACE_PG_URL || postgresAvailable())) {
      let cluster: PgCluster | undefined;
      try {
        const given = process.env.KIOSK_BENCH_TRACE_PG_URL;
        if (!given) cluster = await startPostgres();
        const url = given ?? (await (cluster as PgCluster).createDatabase('trace'));
        const store = await PostgresStore.open(url);
        try {
          results.postgres = { ...(await measure(store, entries, log, !given)), plans: await postgresPlans(url, store, log) };
        } finally {
          await store.close();
        }
      } finally {
        await cluster?.stop();
      }
    }
    return results;
  },
};

interface Measured {
  engine: string;
  seeded?: { entries: number; venues: number; devices: number; people: number; seconds: number; entriesPerSecond: number };
  window: { from: string; to: string };
  cases: number;
  visitsPerCase: number;
  traceMs: ReturnType<typeof distribution>;
  contactsPerCase: number;
  exposure50CasesMs: number;
  exposureVenues: number;
  deployment: { province: string; month: string; ms: ReturnType<typeof distribution>; entriesCounted: number };
  consoleTrace?: ConsoleTiming;
  sqlitePlans?: Record<string, string>;
}

/** Last measured state, shared with postgresPlans: the cases and window of the run. */
let lastRun: { cases: Subject[]; fromMs: number; toMs: number; month: string } | undefined;

async function measure(store: ServerStore, entries: number, log: (line: string) => void, isSeeding: boolean): Promise<Measured> {
  const now = Date.now();
  const plan = entrySeedPlan({ entries: String(entries), seed: 2021 }, now);
  const fromMs = plan.fromDay * DAY - VN;
  const toMs = (plan.fromDay + plan.days) * DAY - VN - 1;
  let seeded: Measured['seeded'];
  if (isSeeding) {
    const s = await seedEntries(store, plan, (line) => log(`  ${store.engine}: ${line}`), now);
    seeded = { entries: s.entries, venues: s.venues, devices: s.devices, people: s.people, seconds: s.seconds, entriesPerSecond: Math.round(s.entries / s.seconds) };
    log(`  ${store.engine}: seeded ${s.entries.toLocaleString('en')} entries, ${s.venues} venues, ${s.devices} kiosks, ${s.people} people in ${s.seconds} s`);
  }
  // 100 different cases with about 20 visits in the 14 days: people met in a sample of entries whose
  // own visits number 18-22 (counted with the same query a trace sends first).
  const sample = await store.listEntries({ limit: 20_000 });
  const candidates = new Map<string, Subject>();
  for (const e of sample) if (e.subject?.type === 'cccd' && e.direction === 'in') candidates.set(e.subject.id, e.subject);
  const cases: Subject[] = [];
  let visits = 0;
  for (const subject of candidates.values()) {
    if (cases.length === 100) break;
    const ids = await store.tracing.identitiesOf([subject]);
    const n = (await store.tracing.entriesOf({ kind: 'subjects', subjects: ids }, fromMs, toMs)).filter((e) => e.direction === 'in').length;
    if (n < 18 || n > 22) continue;
    cases.push(subject);
    visits += n;
  }
  log(`  ${store.engine}: ${cases.length} cases, ${(visits / Math.max(1, cases.length)).toFixed(1)} visits each on average`);

  const times: number[] = [];
  let contacts = 0;
  for (const subject of cases) {
    const t = performance.now();
    const res = await traceCase(store, { keys: { kind: 'subjects', subjects: [subject] }, subject, fromMs, toMs, marginMs: MARGIN, depth: 1 });
    times.push(performance.now() - t);
    contacts += res.contacts.length;
  }
  const trace = distribution(times);
  log(`  ${store.engine}: trace, ${cases.length} cases: p50 ${trace.p50.toFixed(1)} ms, p99 ${trace.p99.toFixed(1)} ms, max ${trace.max.toFixed(1)} ms, ${Math.round(contacts / Math.max(1, cases.length))} contacts per case`);

  const e0 = performance.now();
  const ex = await exposure(store, cases.slice(0, 50), { fromMs, toMs, marginMs: MARGIN });
  const exposureMs = performance.now() - e0;
  log(`  ${store.engine}: exposure, 50 cases over 14 days: ${exposureMs.toFixed(0)} ms, ${ex.venues.length} venues`);

  // The health official's first page: login to the first case's trace results shown.
  const first = cases[0];
  const localOf = (ms: number): string => new Date(ms + VN).toISOString().slice(0, 16);
  const consoleTrace = first
    ? await timeConsoleFirstPage(store, 'health', async (page) => {
        await page.waitForSelector('body[data-page="trace"]');
        await page.selectOption('#trace-type', first.type);
        await page.fill('#trace-id', first.id);
        await page.fill('#trace-from', localOf(fromMs));
        await page.fill('#trace-to', localOf(toMs));
        await page.click('#trace-form button[type="submit"]');
        await page.waitForSelector('#trace-contacts tbody tr');
      })
    : undefined;
  if (consoleTrace) log(`  ${store.engine}: console, login to the trace's contacts shown: ${consoleTrace.firstPageUsableMs} ms, ${consoleTrace.pageWeightKiB} KiB transferred`);

  // The month holding most of the seeded days.
  const mid = new Date(fromMs + VN + 7 * DAY);
  const month = `${mid.getUTCFullYear()}-${String(mid.getUTCMonth() + 1).padStart(2, '0')}`;
  const runs: number[] = [];
  let counted = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    counted = (await deploymentReport(store.deployment, { province: '46', month }, now)).totals.entries;
    runs.push(performance.now() - t);
  }
  const deployment = { province: '46', month, ms: distribution(runs), entriesCounted: counted };
  log(`  ${store.engine}: deployment report 46, ${month}: p50 ${deployment.ms.p50.toFixed(0)} ms, max ${deployment.ms.max.toFixed(0)} ms (${counted.toLocaleString('en')} entries counted)`);
  lastRun = { cases, fromMs, toMs, month };

  const result: Measured = {
    engine: store.engine,
    ...(seeded ? { seeded } : {}),
    window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    cases: cases.length,
    visitsPerCase: visits / Math.max(1, cases.length),
    traceMs: trace,
    contactsPerCase: contacts / Math.max(1, cases.length),
    exposure50CasesMs: Math.round(exposureMs),
    exposureVenues: ex.venues.length,
    deployment,
    ...(consoleTrace ? { consoleTrace } : {}),
  };
  if (store instanceof SqliteStore) {
    const explain = (sql: string, ...params: unknown[]) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join('; ');
    const venue = (await store.listVenues())[0]?.id;
    result.sqlitePlans = {
      caseVisits: explain('SELECT * FROM entries WHERE subject_type = ? AND subject_id = ? AND subject_id IS NOT NULL AND coalesce(corrected_at, recorded_at) BETWEEN ? AND ?', 'cccd', cases[0]?.id, fromMs, toMs),
      venueWindow: explain('SELECT * FROM entries WHERE venue_id = ? AND coalesce(corrected_at, recorded_at) BETWEEN ? AND ?', venue, fromMs, toMs),
      venueExits: explain('SELECT 1 FROM entry_day_counts WHERE venue_id = ? AND day BETWEEN ? AND ? AND exits > 0 LIMIT 1', venue, 0, 1),
      deploymentPerDay: explain(
        `SELECT v.commune_code, r.day, sum(r.entries) FROM venues v JOIN entry_day_counts r ON r.venue_id = v.id
         WHERE v.province_code = ? AND (? IS NULL OR v.district_code = ?) AND r.day >= ? AND r.day < ? GROUP BY 1, 2`,
        '46',
        null,
        null,
        0,
        1,
      ),
    };
    log(`  sqlite plans: ${JSON.stringify(result.sqlitePlans)}`);
  }
  return result;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the queries a trace, an exposure and the deployment report send, with the run's first case. */
async function postgresPlans(url: string, store: PostgresStore, log: (line: string) => void): Promise<Record<string, string>> {
  const run = lastRun;
  if (!run || run.cases.length === 0) return {};
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const explain = async (sql: string, params: unknown[]): Promise<string> =>
      (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const first = run.cases[0] as Subject;
    const ids = await store.tracing.identitiesOf([first]);
    const visits = await store.tracing.entriesOf({ kind: 'subjects', subjects: ids }, run.fromMs, run.toMs);
    // The windows a trace reads around the case's visits (a market's: 60 minutes of dwell and the margin either side).
    const windows = visits.map((x) => ({ venueId: x.venueId, fromMs: x.at - 90 * 60_000, toMs: x.at + 90 * 60_000 }));
    const around = await store.tracing.entriesInWindows(windows);
    const seen = [...subjectsSeen(around).values()];
    const plans: Record<string, string> = {
      caseIdentities: await explain(TRACE_SQL.identities, [[0], [first.type], [first.id]]),
      caseVisits: await explain(TRACE_SQL.entriesOf, [ids.map((x) => x.type), ids.map((x) => x.id), run.fromMs, run.toMs]),
      venuesWithExits: await explain(TRACE_SQL.venuesWithExits, [windows.map((w) => w.venueId), windows.map((w) => Math.floor((w.fromMs + VN) / DAY)), windows.map((w) => Math.floor((w.toMs + VN) / DAY))]),
      venueWindows: await explain(TRACE_SQL.entriesInWindows, [windows.map((w) => w.venueId), windows.map((w) => w.fromMs), windows.map((w) => w.toMs)]),
      registry: await explain(TRACE_SQL.personIds, [seen.map((x) => x.type), seen.map((x) => x.id)]),
      deploymentPerDay: await explain(
        `SELECT v.commune_code, to_char(date '1970-01-01' + r.day, 'YYYY-MM-DD') AS date, sum(r.entries) AS entries
         FROM venues v JOIN entry_day_counts r ON r.venue_id = v.id
         WHERE v.province_code = $1 AND ($2::text IS NULL OR v.district_code = $2) AND r.day >= $3 AND r.day < $4
         GROUP BY 1, 2 HAVING sum(r.entries) > 0 ORDER BY 1, 2`,
        ['46', null, Math.floor((run.fromMs + VN) / DAY) - 31, Math.floor((run.toMs + VN) / DAY) + 31],
      ),
    };
    for (const [name, text] of Object.entries(plans)) log(`  postgres plan ${name}:\n${text.replace(/^/gm, '    ')}`);
    return plans;
  } finally {
    await client.end();
  }
}
