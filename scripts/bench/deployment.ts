import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { adminUnits } from '../../server/services/admin-units.ts';
import { deploymentReport } from '../../server/services/deployment.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { timeConsoleFirstPage } from './console-timing.ts';
import { distribution, type Suite } from './common.ts';
import pg from 'pg';
import { PostgresStore } from '../../server/store/postgres/postgres-store.ts';
import { postgresAvailable, startPostgres } from '../../test/helpers/postgres.ts';

const PG_ENTRIES = Number(process.env.BENCH_DEPLOY_PG_ENTRIES ?? 5_000_000);

const ENTRIES = Number(process.env.BENCH_DEPLOY_ENTRIES ?? 2_000_000);
const VENUES = Number(process.env.BENCH_DEPLOY_VENUES ?? 2_000);
const VN = 7 * 3600_000;
const MONTH_FROM = Date.UTC(2021, 9, 1) - VN;
const MONTH_MS = 31 * 86_400_000;

/**
 * The ICT department's monthly report on SQLite: Thừa Thiên Huế (46) with VENUES venues spread
 * over its 145 communes, one kiosk each, ENTRIES entries in October 2021 (plus a tenth as many in
 * each neighbouring month and province 01, which the report must skip), heartbeats every hour.
 * Rows go in through the engine's own tables in bulk (ingest is measured by the upload suite);
 * the report is timed through the service, as the CLI and the API run it. Then the console: login
 * to deployment report shown, in Debian's Chromium, and the page weight.
 */
export const deploymentSuite: Suite = {
  name: 'deployment',
  description: `deployment report, one province-month of ${ENTRIES.toLocaleString('en')} entries on SQLite; console first page`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-deploy-'));
    const path = join(dir, 'server.db');
    const store = new SqliteStore(path);
    try {
      const communes = adminUnits().communesOf('46');
      const hanoi = adminUnits().communesOf('01')[0];
      const devices: Array<{ id: string; venueId: string }> = [];
      const t0 = performance.now();
      const kinds = ['market', 'hospital', 'school', 'office', 'supermarket', 'bus-station', 'factory', 'government', 'other'] as const;
      for (let i = 0; i < VENUES; i++) {
        const c = i % 10 === 9 && hanoi ? hanoi : communes[(i * 7) % communes.length];
        if (!c) continue;
        const v = await store.createVenue(`Địa điểm ${i}`, kinds[i % kinds.length] ?? 'other');
        await store.deployment.setVenueLocation(v.venueId, adminUnits().locate({ commune: c.code }));
        const id = `d_bench${String(i).padStart(8, '0')}`;
        store.db.prepare('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, v.venueId, `pk${i}`, null, Buffer.alloc(32), MONTH_FROM - 30 * 86_400_000);
        devices.push({ id, venueId: v.venueId });
      }
      const insert = store.db.prepare(
        `INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms)
         VALUES (?, ?, ?, ?, 'b', ?, ?, 'boot', 0, 1, ?, 'vn-cccd', 'allow', 'status-green', 'online', 'green', 'cccd', ?, NULL, 3)`,
      );
      const batch = store.db.prepare('INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates) VALUES (?, ?, ?, 1, 1, 0)');
      const beat = store.db.prepare('INSERT OR REPLACE INTO heartbeat_history (device_id, hour, received_at, pending, oldest_pending_age_ms, free_disk_mib, clock_offset_ms) VALUES (?, ?, ?, ?, ?, 1000, 0)');
      const total = Math.round(ENTRIES * 1.2);
      const seq = new Map<string, number>();
      const chunk = 200_000;
      for (let done = 0; done < total; done += chunk) {
        store.db.transaction(() => {
          for (let k = done; k < Math.min(total, done + chunk); k++) {
            const d = devices[(k * 2654435761) % devices.length] as { id: string; venueId: string };
            // 5/6 in October, the rest a few days either side.
            const at = k % 6 === 5 ? MONTH_FROM + ((k % 2 === 0 ? -1 : 1) * ((k % 5) + 1) * 86_400_000) + (k % 86_400_000) : MONTH_FROM + ((k * 7919) % MONTH_MS);
            const s = (seq.get(d.id) ?? 0) + 1;
            seq.set(d.id, s);
            // Time-ordered ids, as a kiosk's UUIDv7 are: appended, not scattered.
            insert.run(`00000000-0000-7000-8000-${k.toString(16).padStart(12, '0')}`, d.id, d.venueId, s, at + 60_000, at, k % 9 === 0 ? 'out' : 'in', String(k).padStart(12, '0'));
          }
        })();
      }
      store.db.transaction(() => {
        for (const [i, d] of devices.entries()) {
          if (i % 13 === 0) continue; // these stay silent all month
          for (let h = 0; h < 31 * 24; h += 1) beat.run(d.id, Math.floor((MONTH_FROM + h * 3600_000) / 3600_000), MONTH_FROM + h * 3600_000, h % 5, (h % 7) * 60_000);
          batch.run(randomUUID(), d.id, MONTH_FROM + 86_400_000 * (1 + (i % 29)));
        }
      })();
      store.db.pragma('optimize');
      const loadS = (performance.now() - t0) / 1000;
      const bytes = statSync(path).size;
      log(`  loaded ${total.toLocaleString('en')} entries, ${devices.length} venues/kiosks in ${loadS.toFixed(0)} s (${(bytes / 2 ** 30).toFixed(2)} GiB)`);

      const now = Date.UTC(2021, 11, 1);
      const runs: number[] = [];
      let report: Awaited<ReturnType<typeof deploymentReport>> | undefined;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        report = await deploymentReport(store.deployment, { province: '46', month: '2021-10' }, now);
        runs.push(performance.now() - t);
      }
      const districtRuns: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await deploymentReport(store.deployment, { province: '46', month: '2021-10', district: '474' }, now);
        districtRuns.push(performance.now() - t);
      }
      const province = distribution(runs);
      const district = distribution(districtRuns);
      log(`  province 46, 2021-10: p50 ${province.p50.toFixed(0)} ms, max ${province.max.toFixed(0)} ms (${report?.totals.entries.toLocaleString('en')} entries counted); district 474: p50 ${district.p50.toFixed(0)} ms`);

      const consoleFigures = await timeConsoleFirstPage(store, 'ict', async (page) => {
        await page.waitForSelector('#dep-province option[value="46"]', { state: 'attached' });
        await page.fill('#dep-month', '2021-10');
        await page.click('#deployment-form button[type="submit"]');
        await page.waitForSelector('#dep-communes tbody tr');
      });
      if (consoleFigures) log(`  console: login to the province's report shown ${consoleFigures.firstPageUsableMs} ms; ${consoleFigures.pageWeightKiB} KiB transferred`);
      const postgres = postgresAvailable() ? await postgresReport(log) : undefined;
      return { entries: total, venues: devices.length, dbGiB: bytes / 2 ** 30, reportMs: province, districtReportMs: district, ...(consoleFigures ? { console: consoleFigures } : {}), ...(postgres ? { postgres } : {}) };
    } finally {
      await store.close();
      if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
      else log(`  kept ${path}`);
    }
  },
};

/**
 * The same report on PostgreSQL (a throwaway cluster): PG_ENTRIES entries of province 46 in
 * October 2021 in their day partitions, generated inside the database (generate_series), plus
 * hourly heartbeats; the report timed through the service five times.
 */
async function postgresReport(log: (line: string) => void): Promise<Record<string, unknown>> {
  const cluster = await startPostgres();
  try {
    const url = await cluster.createDatabase('deploy');
    const store = await PostgresStore.open(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const communes = adminUnits().communesOf('46');
      const t0 = performance.now();
      const venueIds: string[] = [];
      for (let i = 0; i < VENUES; i++) {
        const c = communes[(i * 7) % communes.length];
        if (!c) continue;
        const v = await store.createVenue(`Địa điểm ${i}`, 'market');
        await store.deployment.setVenueLocation(v.venueId, adminUnits().locate({ commune: c.code }));
        venueIds.push(v.venueId);
      }
      await client.query(
        `INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at)
         SELECT 'd_bench' || lpad(i::text, 8, '0'), v, 'pk' || i, NULL, '\\x00', $2::bigint FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i)`,
        [venueIds, MONTH_FROM - 30 * 86_400_000],
      );
      // Day partitions of the month and its neighbours (the engine makes them ahead of "now" only).
      for (let d = -5; d < 36; d++) {
        const from = MONTH_FROM + d * 86_400_000;
        const name = `entries_p${new Date(from + VN).toISOString().slice(0, 10).replace(/-/g, '')}`;
        await client.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF entries FOR VALUES FROM (${from}) TO (${from + 86_400_000})`);
      }
      const n = venueIds.length;
      const chunk = 1_000_000;
      for (let done = 0; done < PG_ENTRIES; done += chunk) {
        await client.query(
          `INSERT INTO entries (recorded_at, received_at, seq, mono_ms, latency_ms, entry_id, batch_id, clock_synced, device_id, venue_id, boot_id, direction, format, verdict, reasons, source, status, subject_type, subject_id)
           SELECT $1::bigint + (k * 7919) % $2::bigint, $1::bigint + (k * 7919) % $2::bigint + 60000, k, 0, 3, md5(k::text)::uuid, '00000000-0000-7000-8000-000000000000', true,
             'd_bench' || lpad(((k % $3) + 1)::text, 8, '0'), ($4::text[])[(k % $3) + 1], 'boot', CASE WHEN k % 9 = 0 THEN 'out' ELSE 'in' END,
             'vn-cccd', 'allow', 'status-green', 'online', 'green', 'cccd', lpad(k::text, 12, '0')
           FROM generate_series($5::bigint, $6::bigint) AS k`,
          [MONTH_FROM, MONTH_MS, n, venueIds, done + 1, Math.min(PG_ENTRIES, done + chunk)],
        );
      }
      await client.query(
        `INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates)
         SELECT gen_random_uuid(), 'd_bench' || lpad(i::text, 8, '0'), $1::bigint + (i % 29 + 1)::bigint * 86400000, 1, 1, 0 FROM generate_series(1, $2) AS i WHERE i % 13 <> 0`,
        [MONTH_FROM, n],
      );
      await client.query(
        `INSERT INTO heartbeat_history (device_id, hour, received_at, pending, oldest_pending_age_ms, free_disk_mib, clock_offset_ms)
         SELECT 'd_bench' || lpad(i::text, 8, '0'), ($1::bigint + h::bigint * 3600000) / 3600000, $1::bigint + h::bigint * 3600000, h % 5, (h % 7) * 60000, 1000, 0
         FROM generate_series(1, $2) AS i, generate_series(0, 743) AS h WHERE i % 13 <> 0`,
        [MONTH_FROM, n],
      );
      await client.query('VACUUM ANALYZE');
      const loadS = (performance.now() - t0) / 1000;
      const size = Number((await client.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b')).rows[0]?.b);
      log(`  postgres: loaded ${PG_ENTRIES.toLocaleString('en')} entries, ${n} venues in ${loadS.toFixed(0)} s (${(size / 2 ** 30).toFixed(2)} GiB)`);
      const runs: number[] = [];
      let counted = 0;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        counted = (await deploymentReport(store.deployment, { province: '46', month: '2021-10' }, Date.UTC(2021, 11, 1))).totals.entries;
        runs.push(performance.now() - t);
      }
      const report = distribution(runs);
      log(`  postgres: province 46, 2021-10: p50 ${report.p50.toFixed(0)} ms, max ${report.max.toFixed(0)} ms (${counted.toLocaleString('en')} entries counted)`);
      return { entries: PG_ENTRIES, venues: n, dbGiB: size / 2 ** 30, reportMs: report };
    } finally {
      await client.end();
      await store.close();
    }
  } finally {
    await cluster.stop();
  }
}
