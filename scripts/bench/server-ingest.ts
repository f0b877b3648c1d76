import { statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadtest, type LoadtestSummary } from '../cli/loadtest.ts';
import { openStore } from '../../server/store/open.ts';
import { startPostgres } from '../../test/helpers/postgres.ts';
import type { Suite } from './common.ts';
import { ownCpuSeconds, parentPid, processTreeCpuSeconds } from './process-cpu.ts';
import { startServerProcess } from './server-process.ts';

const TOKEN = 'bench-admin';
const DURATION_S = Number(process.env.BENCH_INGEST_SECONDS ?? 30);
const KIOSKS = Number(process.env.BENCH_INGEST_KIOSKS ?? 2000);
const BURST_KIOSKS = Number(process.env.BENCH_BURST_KIOSKS ?? 10_000);

/**
 * The tracing server at national scale (issue 12): signed, gzipped batches through the API with 1
 * and 2 workers on a throwaway PostgreSQL, against a bare `COPY` of the very same rows into the
 * same partitioned table on the same cluster (the peer); 10,000 kiosks uploading at once; bytes per
 * stored entry (table + indexes) on both engines.
 */
export const serverIngestSuite: Suite = {
  name: 'server-ingest',
  description: `API ingest (1 and 2 workers, ${KIOSKS} kiosks, ${DURATION_S} s) vs bare COPY on PostgreSQL; ${BURST_KIOSKS} kiosks at once; bytes per entry`,
  async run(log) {
    const cluster = await startPostgres();
    try {
      const runs: Record<string, ApiRun> = {};
      for (const { workers, batch } of [
        { workers: 1, batch: 50 },
        { workers: 2, batch: 50 },
        { workers: 1, batch: 500 },
      ]) {
        const db = await cluster.createDatabase(`ingest_w${workers}_b${batch}`);
        const server = await startServerProcess(db, ['--workers', String(workers), '--admin-token', TOKEN, '--db-pool', '16']);
        try {
          const pg = await postmasterPid(db);
          const cpu = cpuMeter([server.proc.pid as number, pg]);
          // Fewer kiosks for big batches: the same offered entries, not ten times the requests.
          const kiosks = batch > 50 ? Math.ceil(KIOSKS / 10) : KIOSKS;
          const summary = await loadtest({ url: server.url, adminToken: TOKEN, kiosks, durationS: DURATION_S, batch, intervalMs: 250, drainS: 60, quiet: true, onUploadPhase: cpu.phase });
          const [serverCpu = 0, pgCpu = 0] = cpu.used();
          const run: ApiRun = {
            ...summary,
            workers,
            batch,
            cpuSeconds: { server: round2(serverCpu), postgres: round2(pgCpu), generator: round2(cpu.ownUsed()) },
            apiCpuUsPerEntry: Math.round(((serverCpu + pgCpu) / Math.max(1, summary.acked)) * 1e6),
            generatorCpuUsPerEntry: Math.round((cpu.ownUsed() / Math.max(1, summary.acked)) * 1e6),
          };
          runs[`workers${workers}_batch${batch}`] = run;
          log(
            `  ${workers} worker(s), batches of ${batch}: ${run.entriesPerSecond} entries/s acked, ack p50 ${run.ackP50Ms} ms p99 ${run.ackP99Ms} ms, lost ${run.lost}, duplicated ${run.duplicated}; ` +
              `CPU per entry: API ${run.apiCpuUsPerEntry} µs (server ${run.cpuSeconds.server} s + PostgreSQL ${run.cpuSeconds.postgres} s), generator ${run.generatorCpuUsPerEntry} µs; errors ${JSON.stringify(run.errors)}`,
          );
        } finally {
          await server.stop();
        }
      }
      const copy = await bareCopy(cluster, 'ingest_w2_b50');
      log(`  bare COPY of the same ${copy.rows} rows: ${copy.rowsPerSecond} rows/s; CPU per row ${copy.cpuUsPerRow} µs (PostgreSQL + the COPY client)`);
      const all = Object.values(runs);
      const best = Math.max(...all.map((r) => r.entriesPerSecond));
      const cheapest = Math.min(...all.map((r) => r.apiCpuUsPerEntry));
      log(`  API over COPY: ${(best / copy.rowsPerSecond).toFixed(2)} in entries/s on the shared cores; ${(copy.cpuUsPerRow / cheapest).toFixed(2)} per CPU-second (generator's CPU left out)`);
      const pgBytes = await postgresBytesPerEntry(cluster, 'ingest_w2_b50');
      log(`  PostgreSQL: ${pgBytes.bytesPerEntry} bytes per entry (table ${pgBytes.tableBytes}, indexes ${pgBytes.indexBytes}, ${pgBytes.rows} rows)`);

      const burstDb = await cluster.createDatabase('ingest_burst');
      const burstServer = await startServerProcess(burstDb, ['--workers', '2', '--admin-token', TOKEN, '--db-pool', '16']);
      let burst: LoadtestSummary;
      try {
        burst = await loadtest({ url: burstServer.url, adminToken: TOKEN, kiosks: BURST_KIOSKS, durationS: DURATION_S, batch: 10, intervalMs: 10_000, drainS: 120, quiet: true });
        log(
          `  ${BURST_KIOSKS} kiosks at once: ${burst.entriesPerSecond} entries/s, ack p50 ${burst.ackP50Ms} ms p99 ${burst.ackP99Ms} ms max ${burst.ackMaxMs} ms, ` +
            `lost ${burst.lost}, duplicated ${burst.duplicated}, unacked at the end ${burst.unacked}, retries ${burst.retries} ${JSON.stringify(burst.errors)}`,
        );
      } finally {
        await burstServer.stop();
      }

      const sqlite = await sqliteBytesPerEntry();
      log(`  SQLite: ${sqlite.bytesPerEntry} bytes per entry (${sqlite.rows} rows)`);
      return {
        api: runs,
        bareCopy: copy,
        apiOverCopy: Math.round((best / copy.rowsPerSecond) * 1000) / 1000,
        apiOverCopyPerCpuSecond: Math.round((copy.cpuUsPerRow / cheapest) * 1000) / 1000,
        burst,
        bytesPerEntry: { postgres: pgBytes, sqlite },
        targets: { apiOverCopy: 0.4, burstAckP99Ms: 1000 },
        isWithinTarget: best / copy.rowsPerSecond >= 0.4 && burst.ackP99Ms <= 1000 && burst.lost === 0 && burst.duplicated === 0,
      };
    } finally {
      await cluster.stop();
    }
  },
};

/** The rows the API stored, copied out and COPYed into an empty database with the same schema. */
async function bareCopy(cluster: Awaited<ReturnType<typeof startPostgres>>, source: string): Promise<{ rows: number; seconds: number; rowsPerSecond: number; cpuUsPerRow: number }> {
  const from = new pg.Client({ connectionString: cluster.url.replace(/\/postgres$/, `/${source}`) });
  await from.connect();
  const chunks: Buffer[] = [];
  await pipeline(from.query(copyTo('COPY (SELECT * FROM entries) TO STDOUT (FORMAT binary)')), async function* (rows: AsyncIterable<Buffer>) {
    for await (const c of rows) chunks.push(c);
  });
  const rows = Number(((await from.query('SELECT count(*) AS n FROM entries')).rows[0] as { n: string }).n);
  await from.end();
  const targetUrl = await cluster.createDatabase('ingest_copy');
  await (await openStore(targetUrl)).close();
  const to = new pg.Client({ connectionString: targetUrl });
  await to.connect();
  const cpu = cpuMeter([await postmasterPid(targetUrl)]);
  cpu.phase('start');
  const t = performance.now();
  await pipeline(Readable.from(chunks), to.query(copyFrom('COPY entries FROM STDIN (FORMAT binary)')));
  const seconds = (performance.now() - t) / 1000;
  cpu.phase('end');
  await to.end();
  const [pgCpu = 0] = cpu.used();
  return { rows, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), cpuUsPerRow: Math.round(((pgCpu + cpu.ownUsed()) / Math.max(1, rows)) * 1e6) };
}

type ApiRun = LoadtestSummary & {
  workers: number;
  batch: number;
  cpuSeconds: { server: number; postgres: number; generator: number };
  apiCpuUsPerEntry: number;
  generatorCpuUsPerEntry: number;
};

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The cluster's postmaster: the checkpointer's parent (backends come and go, it stays). */
async function postmasterPid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const pid = Number((await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")).rows[0]?.pid);
    return parentPid(pid);
  } finally {
    await client.end();
  }
}

/** CPU seconds of process trees (and of this process, the generator) between 'start' and 'end'. */
function cpuMeter(roots: readonly number[]) {
  let start: number[] = [];
  let end: number[] = [];
  let ownStart = 0;
  let ownEnd = 0;
  return {
    phase: (p: 'start' | 'end'): void => {
      const now = roots.map(processTreeCpuSeconds);
      if (p === 'start') [start, ownStart] = [now, ownCpuSeconds()];
      else [end, ownEnd] = [now, ownCpuSeconds()];
    },
    used: () => end.map((e, i) => e - (start[i] ?? 0)),
    ownUsed: () => ownEnd - ownStart,
  };
}

async function postgresBytesPerEntry(cluster: Awaited<ReturnType<typeof startPostgres>>, db: string): Promise<{ rows: number; tableBytes: number; indexBytes: number; bytesPerEntry: number }> {
  const client = new pg.Client({ connectionString: cluster.url.replace(/\/postgres$/, `/${db}`) });
  await client.connect();
  await client.query('VACUUM ANALYZE entries');
  const { rows } = await client.query<{ rows: string; table_bytes: string; index_bytes: string }>(`
    SELECT (SELECT count(*) FROM entries) AS rows,
      sum(pg_table_size(c.oid)) AS table_bytes, sum(pg_indexes_size(c.oid)) AS index_bytes
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'entries'`);
  await client.end();
  const r = rows[0] as { rows: string; table_bytes: string; index_bytes: string };
  const n = Number(r.rows);
  return { rows: n, tableBytes: Number(r.table_bytes), indexBytes: Number(r.index_bytes), bytesPerEntry: Math.round((Number(r.table_bytes) + Number(r.index_bytes)) / Math.max(1, n)) };
}

/** The same kind of entries through the same API into SQLite: file bytes after a checkpoint, per entry. */
async function sqliteBytesPerEntry(): Promise<{ rows: number; fileBytes: number; bytesPerEntry: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-sqlite-'));
  try {
    const db = join(dir, 'server.db');
    const server = await startServerProcess(db, ['--admin-token', TOKEN]);
    try {
      await loadtest({ url: server.url, adminToken: TOKEN, kiosks: 200, durationS: 10, batch: 50, intervalMs: 100, drainS: 30, quiet: true });
    } finally {
      await server.stop();
    }
    const store = await openStore(db);
    const rows = await store.countEntries();
    await store.close();
    const fileBytes = statSync(db).size;
    return { rows, fileBytes, bytesPerEntry: Math.round(fileBytes / Math.max(1, rows)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
