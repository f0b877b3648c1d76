import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VENUE_KINDS } from '../../common/wire.ts';
import type { DeploymentReport } from '../../server/services/deployment.ts';
import { apportion, entrySeedPlan, seedEntries, type EntrySeedSummary } from '../../server/services/seed-entries.ts';
import { traceCase } from '../../server/services/tracing.ts';
import { PostgresStore } from '../../server/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { runKiosk } from '../helpers/cli.ts';
import { postgresAvailable, startPostgres, type PgCluster } from '../helpers/postgres.ts';
import { tempDirRemovedAtExit } from '../helpers/server.ts';

const DAY = 86_400_000;
const VN = 7 * 3600_000;
const NOW = Date.UTC(2021, 10, 20, 5);
const dir = tempDirRemovedAtExit('kiosk-seed-');

/** What every engine must give back after a seed: counts, every kind, no gaps, people traceable. */
async function checkSeeded(store: ServerStore, s: EntrySeedSummary, window: { fromMs: number; toMs: number }): Promise<void> {
  expect(await store.countEntries()).toBe(s.entries);
  const venues = await store.deployment.venues();
  expect(venues).toHaveLength(s.venues);
  expect(new Set(venues.map((v) => v.kind))).toEqual(new Set(VENUE_KINDS));
  expect(venues.every((v) => v.location !== null)).toBe(true);
  const fleet = await store.deployment.fleet();
  expect(fleet).toHaveLength(s.devices);
  for (const d of fleet.slice(0, 5)) expect(await store.gaps(d.deviceId)).toEqual([]);
  // The busiest person of a venue is found by tracing, with every visit and contacts at the same venues.
  const sample = await store.listEntries({ venueId: venues[0]?.id ?? '', limit: 500 });
  const counts = new Map<string, number>();
  for (const e of sample) if (e.subject?.type === 'cccd' && e.direction === 'in') counts.set(e.subject.id, (counts.get(e.subject.id) ?? 0) + 1);
  const [cccd] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  expect(cccd).toBeDefined();
  const subject = { type: 'cccd' as const, id: cccd as string };
  const trace = await traceCase(store, { keys: { kind: 'subjects', subjects: [subject] }, subject, ...window, marginMs: 30 * 60_000, depth: 1 });
  expect(trace.identifiers).toBeGreaterThanOrEqual(2); // CCCD and QID through the registry the seed filled
  expect(trace.visits.length).toBeGreaterThanOrEqual(counts.get(cccd as string) ?? 0);
  expect(trace.contacts.length).toBeGreaterThan(0);
  expect(trace.contacts.every((c) => c.subject?.id !== subject.id)).toBe(true);
}

describe('kiosk server seed --entries on SQLite', () => {
  const path = join(dir, 'seed.db');
  let summary: EntrySeedSummary;
  beforeAll(async () => {
    const store = new SqliteStore(path);
    try {
      summary = await seedEntries(store, entrySeedPlan({ entries: '6000', from: '2021-10-01', days: '4', seed: 7 }, NOW), () => undefined, NOW);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('stores exactly N entries of every venue kind, no seq gaps, and tracing finds seeded people', async () => {
    expect(summary).toMatchObject({ entries: 6000, from: '2021-10-01', to: '2021-10-04' });
    expect(summary.exits).toBeGreaterThan(0);
    const store = new SqliteStore(path);
    try {
      await checkSeeded(store, summary, { fromMs: Date.UTC(2021, 9, 1) - VN, toMs: Date.UTC(2021, 9, 5) - VN - 1 });
    } finally {
      await store.close();
    }
  });

  it('is deterministic for a seed: the same rows twice, other rows for another seed', async () => {
    const keysOf = async (seed: number): Promise<string[]> => {
      const store = new SqliteStore(join(dir, `again-${seed}.db`));
      try {
        await seedEntries(store, entrySeedPlan({ entries: '6000', from: '2021-10-01', days: '4', seed }, NOW), () => undefined, NOW);
        return (await store.entryKeys({ limit: 50 })).map((k) => `${k.entryId} ${k.deviceId} ${k.seq}`);
      } finally {
        await store.close();
      }
    };
    const first = new SqliteStore(path);
    const original = (await first.entryKeys({ limit: 50 })).map((k) => `${k.entryId} ${k.deviceId} ${k.seq}`);
    await first.close();
    expect(await keysOf(7)).toEqual(original);
    expect(await keysOf(8)).not.toEqual(original);
  }, 120_000);

  it('kiosk server report deployment --province 46 gives per-commune counts that match what was seeded', async () => {
    const run = await runKiosk(['server', 'report', 'deployment', '--db', path, '--province', '46', '--month', '2021-10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as DeploymentReport;
    const seeded = new Map<string, number>();
    for (const [key, n] of summary.inPerCommuneDay) {
      const [commune, date] = key.split('|') as [string, string];
      if (commune.length === 5 && r.communes.some((c) => c.communeCode === commune)) seeded.set(`${commune}|${date}`, n);
    }
    expect(seeded.size).toBeGreaterThan(0);
    const reported = new Map<string, number>();
    for (const c of r.communes) r.days.forEach((d, i) => (c.entriesPerDay[i] ?? 0) > 0 && reported.set(`${c.communeCode}|${d}`, c.entriesPerDay[i] as number));
    expect(reported).toEqual(seeded);
  });

  it('refuses bad --entries, --days and --from with bad-request naming the flag', async () => {
    const db = join(dir, 'bad.db');
    const cases: Array<[string[], RegExp]> = [
      [['--entries', '0'], /bad-request: --entries must be at least 1/],
      [['--entries', '-5'], /bad-request: --entries must be at least 1/],
      [['--entries', '2.5'], /bad-request: --entries must be a whole number/],
      [['--entries', 'many'], /bad-request: --entries must be a whole number/],
      [['--entries', '10', '--days', '0'], /bad-request: --days must be at least 1/],
      [['--entries', '10', '--from', '2021-13-01'], /bad-request: --from must be a date YYYY-MM-DD/],
      [['--entries', '10', '--from', 'yesterday'], /bad-request: --from must be a date YYYY-MM-DD/],
      [['--entries', '10', '--from', '2999-01-01'], /bad-request: --from 2999-01-01 is in the future/],
      [['--days', '3'], /bad-request: --from and --days go with --entries/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runKiosk(['server', 'seed', '--db', db, ...args])));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]?.[0].join(' ')).toBe(2);
      expect(run.stderr).toMatch(cases[i]?.[1] as RegExp);
    });
  }, 60_000);

  it('prints progress on stderr and one JSON summary last on stdout', async () => {
    const run = await runKiosk(['server', 'seed', '--db', join(dir, 'cli.db'), '--entries', '3000', '--days', '2', '--seed', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/seed: .* venues/);
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(last).toMatchObject({ entries: 3000, engine: 'sqlite' });
    for (const k of ['venues', 'devices', 'people', 'seconds']) expect(typeof last[k]).toBe('number');
  }, 60_000);

  it('apportions a total exactly over weights', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0, 2, 5]).reduce((a, b) => a + b, 0)).toBe(7);
  });
});

const hasPostgres = postgresAvailable();
describe.skipIf(!hasPostgres)('kiosk server seed --entries on PostgreSQL (COPY)', () => {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => cluster?.stop());

  it('loads the same plan through COPY: counts, kinds, seq ranges and tracing as on SQLite', async () => {
    const now = Date.now();
    const url = await (cluster as PgCluster).createDatabase('seeded');
    const store = await PostgresStore.open(url, { now: () => now });
    try {
      const fromDay = Math.floor((now + VN) / DAY) - 5;
      const from = new Date(fromDay * DAY).toISOString().slice(0, 10);
      const s = await seedEntries(store, entrySeedPlan({ entries: '6000', from, days: '3', seed: 7 }, now), () => undefined, now);
      expect(s.entries).toBe(6000);
      await checkSeeded(store, s, { fromMs: fromDay * DAY - VN, toMs: (fromDay + 3) * DAY - VN - 1 });
      // Older than the retention would be dropped by the next open: refused up front.
      await expect(seedEntries(store, entrySeedPlan({ entries: '10', from: '2021-10-01', seed: 7 }, now), () => undefined, now)).rejects.toMatchObject({ code: 'bad-request' });
    } finally {
      await store.close();
    }
  }, 120_000);
});
