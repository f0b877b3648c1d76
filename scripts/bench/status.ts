import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../common/config.ts';
import { rawPublicKey } from '../../core/identity/device-key.ts';
import { silentLogger } from '../../core/log.ts';
import type { ScanOutcome } from '../../core/pipeline/kiosk-core.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { distribution, type Suite } from './common.ts';
import { startServerProcess } from './server-process.ts';

const SCANS = Number(process.env.BENCH_STATUS_SCANS ?? 500);
const BUDGET_MS = 400;

/**
 * Scan-to-verdict through the online status lookup (every scan a different person: no cache), to
 * the reference server in its own process; and the same against a server that accepts connections
 * and never answers, where the verdict must come from the offline rule within budget + 20 ms.
 */
export const statusSuite: Suite = {
  name: 'status',
  description: `scan-to-verdict with online lookups (${SCANS} scans) and against a stalled server, budget ${BUDGET_MS} ms`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-status-'));
    const serverDb = join(dir, 'server.db');
    const store = new SqliteStore(serverDb);
    const people = makePeople(SCANS * 2, 5);
    await seedStatuses(store, people);
    const { venueId, enrollmentCode } = await store.createVenue('Bench', 'office');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { device } = await store.enroll(enrollmentCode, rawPublicKey(publicKey), 'bench');
    const riskListKey = store.riskKey.toString('base64url');
    await store.close();
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });

    const measure = async (url: string, payloads: string[]) => {
      const config = configSchema.parse({
        server: { url, statusBudgetMs: BUDGET_MS, statusCacheTtlMs: 0 },
        device: { id: device.id, venueId, keyFile, riskListKey },
        store: { path: join(dir, `kiosk-${Math.random()}.db`) },
        scanner: { kind: 'fake' },
        gate: { kind: 'fake' },
        duplicateWindowMs: 0,
      });
      const scanner = new FakeScanner();
      const running = await startKiosk(config, { drivers: { scanner, gate: new FakeRelay(), indicator: new FakeIndicator() }, emit: () => undefined, log: silentLogger });
      const outcomes: ScanOutcome[] = [];
      for (const text of payloads) {
        const done = new Promise<ScanOutcome>((resolve) => {
          running.core.onOutcome = resolve;
        });
        scanner.emit(text);
        outcomes.push(await done);
      }
      await running.stop();
      return outcomes;
    };

    const server = await startServerProcess(serverDb);
    const online = await measure(server.url, people.slice(0, SCANS).map((p) => cccdQr(p)));
    await server.stop();
    const sources = new Set(online.map((o) => o.decision.source));
    const onlineMs = distribution(online.map((o) => o.verdictLatencyMs));
    log(`  server up:      scan-to-verdict p50 ${onlineMs.p50} ms, p99 ${onlineMs.p99} ms, max ${onlineMs.max} ms (sources: ${[...sources].join(', ')})`);

    const sockets: Socket[] = [];
    const stalled = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const port = (stalled.address() as { port: number }).port;
    const stalledRuns = await measure(`http://127.0.0.1:${port}`, people.slice(SCANS, SCANS + 50).map((p) => cccdQr(p)));
    for (const s of sockets) s.destroy();
    stalled.close();
    const stalledMs = distribution(stalledRuns.map((o) => o.verdictLatencyMs));
    const allOffline = stalledRuns.every((o) => o.decision.source === 'offline' && o.decision.reasons.includes('offline'));
    log(`  server stalled: scan-to-verdict p50 ${stalledMs.p50} ms, p99 ${stalledMs.p99} ms, max ${stalledMs.max} ms, all marked offline: ${allOffline}`);
    rmSync(dir, { recursive: true, force: true });
    return {
      budgetMs: BUDGET_MS,
      onlineScanToVerdictMs: onlineMs,
      onlineSources: [...sources],
      stalledScanToVerdictMs: stalledMs,
      stalledAllMarkedOffline: allOffline,
      targets: { onlineP99Ms: BUDGET_MS, stalledMaxMs: BUDGET_MS + 20 },
      isWithinTarget: onlineMs.p99 <= BUDGET_MS && stalledMs.max <= BUDGET_MS + 20 && allOffline && sources.size === 1 && sources.has('online'),
    };
  },
};
