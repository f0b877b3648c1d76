import pg from 'pg';
import { openStore } from '../../server/store/open.ts';
import { VN_OFFSET_MS } from '../../server/services/report.ts';
import { startPostgres } from '../../test/helpers/postgres.ts';
import { distribution, type Suite } from './common.ts';

const ROWS = Number(process.env.BENCH_QUERY_ROWS ?? 5_000_000);
const DAYS = 21;
const VENUES = 20_000;
const PEOPLE = 2_000_000;

/**
 * The queries the indexes of the PostgreSQL schema are chosen for, on a day-partitioned table of
 * ROWS entries over 21 days (the retention): a person's visits in a window (subject + time), who was
 * at a venue around a time (venue + time), a venue's month report. Each is timed over 100 different
 * keys, and its EXPLAIN (ANALYZE, BUFFERS) is kept for docs/database.md. Rows are made inside
 * PostgreSQL with generate_series: the figure is the query's, not a loader's.
 */
export const serverQueriesSuite: Suite = {
  name: 'server-queries',
  description: `tracing-shaped queries and their plans on ${ROWS} day-partitioned entries (PostgreSQL)`,
  async run(log) {
    const cluster = await startPostgres();
    try {
      const url = await cluster.createDatabase('queries');
      // The store makes the schema and partitions; then the clock of the rows is set so that the
      // 21 days end today (partitions exist for them: maintain() is re-run with that span).
      const store = await openStore(url);
      await store.close();
      const client = new pg.Client({ connectionString: url });
      // The cluster is stopped in `finally`: a connection still open then must not crash the bench.
      client.on('error', () => undefined);
      await client.connect();
      const dayMs = 86_400_000;
      const today = Math.floor((Date.now() + VN_OFFSET_MS) / dayMs) * dayMs - VN_OFFSET_MS;
      const from = today - (DAYS - 1) * dayMs;
      for (let d = 0; d < DAYS; d++) {
        const start = from + d * dayMs;
        const name = `entries_bench_${d}`;
        await client.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF entries FOR VALUES FROM (${start}) TO (${start + dayMs})`).catch(() => undefined);
      }
      let t = performance.now();
      // Visits cluster in daytime hours; a venue has its regulars (subject drawn near the venue's own range).
      await client.query(
        `INSERT INTO entries (recorded_at, received_at, seq, mono_ms, latency_ms, entry_id, batch_id, clock_synced, device_id, venue_id,
           boot_id, direction, format, verdict, reasons, source, status, subject_type, subject_id)
         SELECT at, at + 2000, g, g, 12, gen_random_uuid(), gen_random_uuid(), true, 'd_' || (v % 40000), 'v_' || v,
           'b', CASE WHEN g % 5 = 0 THEN 'out' ELSE 'in' END, 'vn-cccd', 'allow', 'status-green', 'online', 'green',
           'cccd', lpad(((v * 97 + (random() * 200)::int + (random() < 0.3)::int * (random() * $4::int)::int) % $4::int)::text, 12, '0')
         FROM (SELECT g, (random() * ($3::int - 1))::int AS v,
                 $1::bigint + (floor(random() * $5::int) * 86400000)::bigint + ((6 + random() * 14) * 3600000)::bigint AS at
               FROM generate_series(1, $2::int) AS g) s`,
        [from, ROWS, VENUES, PEOPLE, DAYS],
      );
      const loadSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      await client.query('VACUUM ANALYZE entries');
      log(`  ${ROWS} rows made in ${loadSeconds.toFixed(1)} s, vacuum analyze ${((performance.now() - t) / 1000).toFixed(1)} s`);

      // The tracing queries as server/store/postgres/tracing.ts sends them: by effective time, the
      // expression of the entries_subject_at and entries_venue_at indexes.
      const subjectQuery = `SELECT venue_id, coalesce(corrected_at, recorded_at) AS at FROM entries
        WHERE subject_type = 'cccd' AND subject_id = $1 AND subject_id IS NOT NULL AND coalesce(corrected_at, recorded_at) BETWEEN $2 AND $3 ORDER BY 2`;
      const venueQuery = `SELECT subject_type, subject_id, coalesce(corrected_at, recorded_at) AS at FROM entries
        WHERE venue_id = $1 AND coalesce(corrected_at, recorded_at) BETWEEN $2 AND $3 AND subject_id IS NOT NULL`;
      const reportQuery = `SELECT count(*) FILTER (WHERE direction = 'in') AS entries, count(DISTINCT subject_id) AS people FROM entries
        WHERE venue_id = $1 AND coalesce(corrected_at, recorded_at) >= $2 AND coalesce(corrected_at, recorded_at) < $3`;
      // Keys that exist, as a tracer's would: 100 sampled entries give the people, venues and times.
      const samples = (await client.query<{ subject_id: string; venue_id: string; recorded_at: string }>('SELECT subject_id, venue_id, recorded_at FROM entries TABLESAMPLE SYSTEM (1) LIMIT 100')).rows;
      const sample = (i: number) => samples[i % samples.length] as { subject_id: string; venue_id: string; recorded_at: string };
      const subjectParams = (i: number) => [sample(i).subject_id, Number(sample(i).recorded_at) - 7 * dayMs, Number(sample(i).recorded_at) + 7 * dayMs];
      const venueParams = (i: number) => [sample(i).venue_id, Number(sample(i).recorded_at) - 3600_000, Number(sample(i).recorded_at) + 3600_000];
      const windowEnd = today + dayMs;
      const timed = async (sql: string, params: (i: number) => unknown[]): Promise<{ ms: ReturnType<typeof distribution>; rows: number }> => {
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < 100; i++) {
          const started = performance.now();
          rows += (await client.query(sql, params(i))).rowCount ?? 0;
          ms.push(performance.now() - started);
        }
        return { ms: distribution(ms), rows: Math.round(rows / 100) };
      };
      const explain = async (sql: string, params: unknown[]): Promise<string> =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');

      const subject = await timed(subjectQuery, subjectParams);
      log(`  a person's visits over 14 days around a visit (subject + time): p50 ${subject.ms.p50} ms, p99 ${subject.ms.p99} ms, ${subject.rows} rows on average`);
      const venue = await timed(venueQuery, venueParams);
      log(`  who was at a venue within an hour of a visit (venue + time): p50 ${venue.ms.p50} ms, p99 ${venue.ms.p99} ms, ${venue.rows} rows on average`);
      const report = await timed(reportQuery, (i) => [sample(i).venue_id, from, windowEnd]);
      log(`  a venue's 21-day report: p50 ${report.ms.p50} ms, p99 ${report.ms.p99} ms`);
      const plans = {
        subjectTime: await explain(subjectQuery, subjectParams(1)),
        venueTime: await explain(venueQuery, venueParams(1)),
        venueReport: await explain(reportQuery, [sample(1).venue_id, from, windowEnd]),
      };
      const sizes = (
        await client.query<{ table_bytes: string; index_bytes: string }>(`
          SELECT sum(pg_table_size(c.oid)) AS table_bytes, sum(pg_indexes_size(c.oid)) AS index_bytes
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'entries'`)
      ).rows[0] as { table_bytes: string; index_bytes: string };
      await client.end();
      const bytesPerEntry = Math.round((Number(sizes.table_bytes) + Number(sizes.index_bytes)) / ROWS);
      log(`  ${bytesPerEntry} bytes per entry (table ${Math.round(Number(sizes.table_bytes) / ROWS)}, indexes ${Math.round(Number(sizes.index_bytes) / ROWS)})`);
      return { rows: ROWS, days: DAYS, venues: VENUES, people: PEOPLE, loadSeconds: Math.round(loadSeconds), subject, venue, report, bytesPerEntry, tableBytes: Number(sizes.table_bytes), indexBytes: Number(sizes.index_bytes), plans };
    } finally {
      await cluster.stop();
    }
  },
};
