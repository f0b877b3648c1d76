import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { KioskError } from '../../common/errors.ts';
import { openStore } from '../../server/store/open.ts';
import { PostgresStore } from '../../server/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { postgresAvailable, schemaPerCase, startPostgres, type PgCluster } from '../helpers/postgres.ts';
import { batchOf, publicKey, serverStoreContract, wireEntry } from './server-store.contract.ts';

// --- SQLite: a temporary file per case ---------------------------------------------------------

let sqliteDir = '';
beforeAll(async () => {
  sqliteDir = await mkdtemp(join(tmpdir(), 'kiosk-store-'));
});
afterAll(async () => {
  await rm(sqliteDir, { recursive: true, force: true });
});
let sqliteFiles = 0;

serverStoreContract('sqlite', async (options = {}) => {
  const path = join(sqliteDir, `store-${++sqliteFiles}.db`);
  const store = new SqliteStore(path, options.now);
  const others: SqliteStore[] = [];
  return {
    store,
    async openAnother() {
      const other = new SqliteStore(path, options.now);
      others.push(other);
      return other;
    },
    async cleanup() {
      for (const o of others) await o.close();
      await store.close();
      for (const f of await readdir(sqliteDir)) if (f.startsWith(`store-${sqliteFiles}.db`)) await rm(join(sqliteDir, f), { force: true });
    },
  };
});

// --- PostgreSQL: one throwaway cluster for the file, a fresh database per case -----------------

const hasPostgres = postgresAvailable();
let cluster: PgCluster | undefined;

describe.skipIf(!hasPostgres)('postgres cluster', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const clusterOf = (): PgCluster => {
    if (!cluster) throw new Error('the PostgreSQL cluster did not start');
    return cluster;
  };

  // One database for the contract suite and a schema per case: a fresh, empty store per case.
  let freshSchema: (() => Promise<string>) | undefined;

  serverStoreContract('postgres', async (options = {}) => {
    freshSchema ??= schemaPerCase(clusterOf(), 'contract');
    const url = await freshSchema();
    const store = await PostgresStore.open(url, { poolSize: 4, ...options });
    const others: PostgresStore[] = [];
    return {
      store,
      async openAnother() {
        const other = await PostgresStore.open(url, { poolSize: 4, ...options });
        others.push(other);
        return other;
      },
      async cleanup() {
        for (const o of others) await o.close();
        await store.close();
      },
    };
  });

  describe('PostgreSQL engine', () => {
    async function checkpoint(url: string): Promise<void> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('CHECKPOINT');
      await client.end();
    }

    async function partitions(url: string): Promise<Map<string, number>> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const rows = (
          await client.query<{ name: string; n: string }>(
            `SELECT c.relname AS name, (SELECT count(*) FROM entries e WHERE e.tableoid = c.oid) AS n
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'entries'::regclass`,
          )
        ).rows;
        return new Map(rows.map((r) => [r.name, Number(r.n)]));
      } finally {
        await client.end();
      }
    }

    it('opens through openStore, migrates once when workers start together, refuses a newer schema', async () => {
      const url = await clusterOf().createDatabase();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      expect(stores.map((s) => s.engine)).toEqual(['postgres', 'postgres', 'postgres']);
      expect(new Set(stores.map((s) => s.riskKey.toString('hex'))).size).toBe(1);
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      expect((await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 10 }, { version: 20 }, { version: 30 }, { version: 40 }, { version: 50 }, { version: 60 }]);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES (9990, 'from the future')");
      await client.end();
      const err = await openStore(url).catch((e: unknown) => e);
      expect((err as KioskError).code).toBe('outbox-newer-schema');
    });

    it('makes day partitions ahead, drops old ones whole and moves impossible-clock rows when their day comes', async () => {
      const url = await clusterOf().createDatabase();
      const clock = { now: Date.UTC(2026, 0, 10, 3) }; // 10:00 on 10 January in Vietnam
      const store = await PostgresStore.open(url, { now: () => clock.now });
      try {
        const made = await partitions(url);
        for (let d = 10; d <= 17; d++) expect(made.has(`entries_p202601${d}`), `entries_p202601${d}`).toBe(true);
        expect(made.has('entries_default')).toBe(true);
        const venue = await store.createVenue('Chợ', 'hospital');
        const { device } = await store.enroll(venue.enrollmentCode, publicKey(), undefined);
        // 23:59 in Vietnam on the 10th is still the 10th; 00:00 on the 11th is the next partition.
        const lastMinute = Date.UTC(2026, 0, 10, 16, 59);
        const future = Date.UTC(2026, 1, 20, 5);
        await store.ingestBatch(device, batchOf([wireEntry(1, { recordedAt: lastMinute }), wireEntry(2, { recordedAt: lastMinute + 60_000 }), wireEntry(3, { recordedAt: future })]));
        let now = await partitions(url);
        expect([now.get('entries_p20260110'), now.get('entries_p20260111'), now.get('entries_default')]).toEqual([1, 1, 1]);

        clock.now = Date.UTC(2026, 1, 20, 1); // 20 February: the 10th and 11th of January are past 21 days
        const outcome = await store.maintain(21);
        expect(outcome.dropped).toEqual(expect.arrayContaining(['entries_p20260110', 'entries_p20260111']));
        expect(outcome.created).toEqual(expect.arrayContaining(['entries_p20260220', 'entries_p20260227']));
        expect(outcome.deletedRows).toBe(0);
        now = await partitions(url);
        expect(now.has('entries_p20260110')).toBe(false);
        expect([now.get('entries_p20260220'), now.get('entries_default')]).toEqual([1, 0]);
        // The moved row was counted when it arrived: its re-insert into its new partition is not counted again.
        const counts = new pg.Client({ connectionString: url });
        await counts.connect();
        expect((await counts.query<{ n: string }>('SELECT sum(entries) AS n FROM entry_day_counts')).rows[0]?.n).toBe('3');
        await counts.end();
        expect((await store.listEntries()).map((e) => e.seq)).toEqual([3]);
        // A second run changes nothing.
        expect(await store.maintain(21)).toEqual({ created: [], dropped: [], deletedRows: 0 });
      } finally {
        await store.close();
      }
    });

    it('bytes per entry, measured', async () => {
      const url = await clusterOf().createDatabase();
      const store = await PostgresStore.open(url);
      try {
        const venue = await store.createVenue('Chợ', 'hospital');
        const { device } = await store.enroll(venue.enrollmentCode, publicKey(), undefined);
        const n = Number(process.env.KIOSK_PG_BYTES_ENTRIES ?? 10_000);
        const t0 = performance.now();
        for (let from = 1; from <= n; from += 5000) {
          await store.ingestBatch(device, batchOf(Array.from({ length: Math.min(5000, n - from + 1) }, (_, i) => wireEntry(from + i, { recordedAt: Date.now() - (i % 3600) * 1000 }))));
        }
        const ms = performance.now() - t0;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('VACUUM ANALYZE entries');
        const bytes = Number(
          (await client.query<{ b: string }>("SELECT sum(pg_total_relation_size(inhrelid)) AS b FROM pg_inherits WHERE inhparent = 'entries'::regclass")).rows[0]?.b,
        );
        await client.end();
        console.log(`postgres: ${n} entries, ${Math.round(bytes / n)} bytes/entry (table + indexes), ingest ${Math.round((n / ms) * 1000)} entries/s in 5000-entry batches`);
        expect(await store.countEntries()).toBe(n);
      } finally {
        await store.close();
      }
    });

    // The API refuses NUL and lone surrogates in any body before the store (http/plumbing.ts), for
    // both engines. This is PostgreSQL's backstop for a caller that skips the API: 400, never 500.
    it('refuses a NUL byte in any text as bad-request and stores nothing of the batch', async () => {
      const url = await clusterOf().createDatabase();
      const store = await PostgresStore.open(url);
      try {
        expect(await store.createVenue('Ch\u0000ợ', 'hospital').catch((e: unknown) => e)).toMatchObject({ code: 'bad-request' });
        const venue = await store.createVenue('Chợ', 'hospital');
        const { device } = await store.enroll(venue.enrollmentCode, publicKey(), undefined);
        const err = await store.ingestBatch(device, batchOf([wireEntry(1), wireEntry(2, { bootId: 'bo\u0000ot' })])).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'bad-request' });
        expect((err as KioskError).message).toContain('NUL');
        expect(await store.countEntries()).toBe(0);
        expect(await store.gaps(device.id)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('names the URL without its password when the database is unreachable at open', async () => {
      const err = await openStore('postgres://kiosk:s3cret@127.0.0.1:1/kiosk').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KioskError);
      expect((err as KioskError).code).toBe('store-unavailable');
      expect((err as KioskError).message).toContain('postgres://kiosk:***@127.0.0.1:1/kiosk');
      expect((err as KioskError).message).not.toContain('s3cret');
    });

    it('answers store-unavailable when every connection of the pool stays busy', async () => {
      const url = await clusterOf().createDatabase();
      const store = await PostgresStore.open(url, { poolSize: 1 });
      try {
        let release = (): void => undefined;
        const held = store.tx(() => new Promise<void>((resolve) => (release = resolve)));
        const err = await store.countEntries().catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'store-unavailable' });
        release();
        await held;
        expect(await store.countEntries()).toBe(0);
      } finally {
        await store.close();
      }
    });

    // Last in this file: it stops and restarts the shared cluster.
    it('answers store-unavailable while the database is down and recovers by itself', async () => {
      const c = clusterOf();
      const url = await c.createDatabase();
      const store = await PostgresStore.open(url, { poolSize: 2 });
      try {
        const venue = await store.createVenue('Chợ', 'hospital');
        const { device } = await store.enroll(venue.enrollmentCode, publicKey(), undefined);
        await store.ingestBatch(device, batchOf([wireEntry(1)]));
        // A crash, but after a checkpoint: recovery replays seconds of WAL, not the whole file's.
        await checkpoint(c.url);
        // A transaction between two statements when the database dies: its connection's error must
        // not end the process (no listener would take it), the transaction fails as unavailable.
        let resume = (): void => undefined;
        const midway = store.tx(async (client) => {
          await client.query('SELECT 1');
          await new Promise<void>((resolve) => (resume = resolve));
          await client.query('SELECT 1');
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await c.stopServer('immediate');
        await new Promise((resolve) => setTimeout(resolve, 200));
        resume();
        expect(await midway.catch((e: unknown) => e)).toMatchObject({ code: 'store-unavailable' });
        const batch = batchOf([wireEntry(2)]);
        const err = await store.ingestBatch(device, batch).catch((e: unknown) => e);
        expect((err as KioskError).code).toBe('store-unavailable');
        expect((err as KioskError).message).toContain(store.location);
        expect((await store.countEntries().catch((e: unknown) => e)) as KioskError).toMatchObject({ code: 'store-unavailable' });
        await c.startServer();
        // The kiosk retries the same batch: stored once.
        expect(await store.ingestBatch(device, batch)).toMatchObject({ accepted: 1, replayed: false, gaps: [] });
        expect(await store.countEntries()).toBe(2);
      } finally {
        await store.close();
      }
    }, 60_000);
  });
});

if (!hasPostgres) {
  describe('postgres cluster', () => {
    it.skip('skipped: no PostgreSQL', () => undefined);
  });
}
