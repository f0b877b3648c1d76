import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VENUE_KINDS, type Subject } from '../../common/wire.ts';
import { exposure } from '../../server/services/exposure.ts';
import { rng } from '../../server/services/seed.ts';
import { traceCase } from '../../server/services/tracing.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { distribution, type Suite } from './common.ts';

/**
 * Tracing on SQLite (issue 13): a database of N entries over 14 days (KIOSK_BENCH_TRACE_ENTRIES,
 * default 1,000,000) at 2,000 venues, people with a few habitual venues, and 100 cases with 20
 * visits each; trace p50/p99 over the 100 cases, exposure for 50 cases over the 14 days, and the
 * plans of the two queries a trace sends. Rows are written straight into the entries table (what
 * ingest would store), so the figure is the trace, not the load.
 */
const DAY = 86_400_000;
const VN = 7 * 3600_000;

export const tracingSuite: Suite = {
  name: 'tracing',
  description: 'trace p50/p99 over 100 cases and exposure for 50 cases on SQLite',
  async run(log) {
    const entries = Number(process.env.KIOSK_BENCH_TRACE_ENTRIES ?? 1_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-trace-'));
    const store = new SqliteStore(join(dir, 'server.db'));
    try {
      const r = rng(13);
      const start = Date.UTC(2021, 8, 1) - VN;
      const venueCount = 2000;
      const venues: string[] = [];
      const insertVenue = store.db.prepare('INSERT INTO venues (id, name, kind, created_at) VALUES (?, ?, ?, 0)');
      store.db.transaction(() => {
        for (let v = 0; v < venueCount; v++) {
          venues.push(`v_${String(v).padStart(6, '0')}`);
          insertVenue.run(venues[v], `Địa điểm ${v}`, VENUE_KINDS[v % VENUE_KINDS.length]);
        }
      })();
      const people = Math.max(1000, Math.floor(entries / 10));
      const habits = Array.from({ length: people }, () => Array.from({ length: 4 }, () => Math.floor(r() * venueCount)));
      const cccd = (p: number) => `0790${String(p).padStart(8, '0')}`;
      const insert = store.db.prepare(
        `INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced,
           direction, format, verdict, reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms)
         VALUES (?, 'd', ?, ?, 'b', 0, ?, 'boot', 0, 1, 'in', 'vn-cccd', 'allow', '', 'online', 'green', 'cccd', ?, NULL, 1)`,
      );
      const at = () => start + Math.floor(r() * 14) * DAY + (6 + r() * 15) * 3600_000;
      const t0 = performance.now();
      let seq = 0;
      const write = (venue: number, ms: number, person: number) => insert.run(`e${++seq}`, venues[venue], seq, Math.round(ms), cccd(person));
      for (let done = 0; done < entries; done += 50_000) {
        store.db.transaction(() => {
          for (let i = done; i < Math.min(entries, done + 50_000); i++) {
            const p = Math.floor(r() * people);
            write((habits[p] as number[])[Math.floor(r() * 4)] as number, at(), p);
          }
        })();
      }
      // 100 cases with 20 visits each at their habitual venues.
      const cases: Subject[] = [];
      store.db.transaction(() => {
        for (let c = 0; c < 100; c++) {
          const p = Math.floor(r() * people);
          cases.push({ type: 'cccd', id: cccd(p) });
          for (let v = 0; v < 20; v++) write((habits[p] as number[])[v % 4] as number, at(), p);
        }
      })();
      log(`  ${entries} entries (+2,000 case visits), ${venueCount} venues, ${people} people written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const window = { fromMs: start, toMs: start + 14 * DAY - 1 };
      const times: number[] = [];
      let contacts = 0;
      for (const subject of cases) {
        const t = performance.now();
        const res = await traceCase(store, { keys: { kind: 'subjects', subjects: [subject] }, subject, ...window, marginMs: 30 * 60_000, depth: 1 });
        times.push(performance.now() - t);
        contacts += res.contacts.length;
      }
      const trace = distribution(times);
      log(`  trace, 100 cases with 20 visits: p50 ${trace.p50.toFixed(1)} ms, p99 ${trace.p99.toFixed(1)} ms, ${Math.round(contacts / 100)} contacts per case`);

      const e0 = performance.now();
      const ex = await exposure(store, cases.slice(0, 50), { ...window, marginMs: 30 * 60_000 });
      const exposureMs = performance.now() - e0;
      log(`  exposure, 50 cases over 14 days: ${exposureMs.toFixed(0)} ms, ${ex.venues.length} venues`);

      const plan = (sql: string, ...params: unknown[]) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join('; ');
      const plans = {
        caseVisits: plan(
          'SELECT * FROM entries WHERE subject_type = ? AND subject_id = ? AND subject_id IS NOT NULL AND coalesce(corrected_at, recorded_at) BETWEEN ? AND ?',
          'cccd',
          cases[0]?.id,
          window.fromMs,
          window.toMs,
        ),
        venueWindow: plan('SELECT * FROM entries WHERE venue_id = ? AND coalesce(corrected_at, recorded_at) BETWEEN ? AND ?', venues[0], window.fromMs, window.toMs),
      };
      log(`  plans: ${JSON.stringify(plans)}`);
      return { entries, venues: venueCount, people, traceMs: trace, contactsPerCase: contacts / 100, exposure50CasesMs: Math.round(exposureMs), exposureVenues: ex.venues.length, plans };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
