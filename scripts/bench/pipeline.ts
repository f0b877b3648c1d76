import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../common/config.ts';
import { silentLogger } from '../../core/log.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { generateDeviceKey } from '../../core/identity/device-key.ts';
import { writeFileSync } from 'node:fs';
import type { ScanOutcome } from '../../core/pipeline/kiosk-core.ts';
import { distribution, type Suite } from './common.ts';
import { startServerProcess } from './server-process.ts';

const SCANS = Number(process.env.BENCH_PIPELINE_SCANS ?? 2000);
const ROUNDS = 4;

/**
 * Scan-to-gate latency through the real pipeline (parse, status from the local cache, decision,
 * durable SQLite commit, relay command written), next to the cost of one bare durable insert into
 * an identical SQLite setup, measured in interleaved rounds in the same run. The uploader runs
 * against the reference server in its own process, as in the field.
 */
export const pipelineSuite: Suite = {
  name: 'pipeline',
  description: `scan-to-gate p50/p99 over ${SCANS} scans vs one bare durable insert`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
    const store = new SqliteStore(join(dir, 'server.db'));
    const people = makePeople(SCANS, 99).map((p) => ({ ...p, status: 'green' as const, flags: [] }));
    await seedStatuses(store, people);
    const { venueId, enrollmentCode } = await store.createVenue('Bench', 'hospital');
    const key = generateDeviceKey();
    const { device } = await store.enroll(enrollmentCode, key.publicKeyRaw, 'bench');
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
    await store.close();
    const server = await startServerProcess(join(dir, 'server.db'));
    const url = server.url;

    const config = configSchema.parse({
      server: { url, statusBudgetMs: 400, statusCacheTtlMs: 3_600_000 },
      device: { id: device.id, venueId, keyFile },
      store: { path: join(dir, 'kiosk.db') },
      scanner: { kind: 'fake' },
      gate: { kind: 'fake', pulseMs: 800 },
      duplicateWindowMs: 0,
    });
    const scanner = new FakeScanner();
    const gate = new FakeRelay();
    const running = await startKiosk(config, { drivers: { scanner, gate, indicator: new FakeIndicator() }, emit: () => undefined, log: silentLogger });
    const payloads = people.map((p) => cccdQr(p));

    const scanOnce = async (text: string) => {
      const done = new Promise<ScanOutcome>((resolve) => {
        running.core.onOutcome = resolve;
      });
      const scan = scanner.emit(text);
      return { scan, outcome: await done };
    };
    // Warm the status cache: one online lookup per person (the bench measures the cache path).
    for (const text of payloads) await scanOnce(text);

    const bare = new Database(join(dir, 'bare.db'));
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = FULL');
    bare.exec(`CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id BLOB NOT NULL, recorded_at INTEGER NOT NULL,
      boot INTEGER NOT NULL, mono_ms REAL NOT NULL, clock_synced INTEGER NOT NULL, direction TEXT NOT NULL, format TEXT NOT NULL,
      verdict TEXT NOT NULL, reasons TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, subject_type TEXT, subject_id TEXT,
      data_age_ms INTEGER, latency_ms REAL NOT NULL)`);
    const insert = bare.prepare('INSERT INTO entries VALUES (NULL, ?, ?, 1, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)');

    const gateMs: number[] = [];
    const verdictMs: number[] = [];
    const bareMs: number[] = [];
    const perRound = Math.ceil(SCANS / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < perRound; i++) {
        const id = Buffer.alloc(16, i);
        const t0 = performance.now();
        insert.run(id, Date.now(), t0, 'in', 'vn-cccd', 'allow', 'status-green', 'cache', 'green', 'cccd', '001099012345', 1.5);
        bareMs.push(performance.now() - t0);
      }
      for (let i = 0; i < perRound; i++) {
        const text = payloads[(round * perRound + i) % payloads.length] as string;
        let gateAt = 0;
        gate.onWrite = (w) => {
          if (w.isOn) gateAt = w.atMs;
        };
        const { scan, outcome } = await scanOnce(text);
        if (outcome.decision.source !== 'cache') throw new Error(`expected a cached allow, got ${JSON.stringify(outcome?.decision)}`);
        gateMs.push(gateAt - scan.monoMs);
        verdictMs.push(outcome.verdictLatencyMs);
      }
      log(`  round ${round + 1}/${ROUNDS} done`);
    }
    gate.onWrite = undefined;
    bare.close();
    await running.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });

    const g = distribution(gateMs);
    const b = distribution(bareMs);
    const v = distribution(verdictMs);
    const ratio = Math.round((g.p99 / b.p99) * 100) / 100;
    log(`  scan-to-gate   p50 ${g.p50} ms  p99 ${g.p99} ms  (n=${g.n})`);
    log(`  bare insert    p50 ${b.p50} ms  p99 ${b.p99} ms  (n=${b.n})`);
    log(`  p99 ratio      ${ratio} (target ≤ 3)`);
    return { scanToGateMs: g, scanToVerdictMs: v, bareDurableInsertMs: b, p99Ratio: ratio, targetP99Ratio: 3, isWithinTarget: ratio <= 3 };
  },
};
