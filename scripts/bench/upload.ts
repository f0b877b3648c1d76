import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rawPublicKey } from '../../core/identity/device-key.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import type { Suite } from './common.ts';
import { fillOutbox } from './outbox-fill.ts';
import { buildOptions } from '../build.ts';
import { startServerProcess } from './server-process.ts';

const BACKLOG = Number(process.env.BENCH_UPLOAD_BACKLOG ?? 200_000);
const DISK_ENTRIES = Number(process.env.BENCH_DISK_ENTRIES ?? 1_000_000);
const KIOSK = join(import.meta.dirname, '..', 'kiosk.js');

/**
 * Catch-up after a long outage: `kiosk run` (the real supervisor and core processes) starts with a
 * 200,000-entry backlog and uploads it to the reference server (its own process) over loopback.
 * Throughput counts from the core's `ready` to its last `uploaded` event; peak RSS is the core
 * process's own VmHWM (reported in its `stopped` event). Also: outbox bytes per entry, and the
 * outbox file for 1,000,000 entries.
 */
export const uploadSuite: Suite = {
  name: 'upload',
  description: `catch-up upload of ${BACKLOG} entries; outbox bytes per entry; ${DISK_ENTRIES} entries on disk`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-up-'));
    const serverDb = join(dir, 'server.db');
    const store = new SqliteStore(serverDb);
    const { venueId, enrollmentCode } = await store.createVenue('Bench', 'bus-station');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { device } = await store.enroll(enrollmentCode, rawPublicKey(publicKey), 'bench');
    await store.close();
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });

    const kioskDb = join(dir, 'kiosk.db');
    fillOutbox(kioskDb, BACKLOG);
    const bytesPerEntry = Math.round(statSync(kioskDb).size / BACKLOG);
    log(`  backlog of ${BACKLOG} entries: ${(statSync(kioskDb).size / 2 ** 20).toFixed(1)} MiB, ${bytesPerEntry} B/entry`);

    const server = await startServerProcess(serverDb);
    const config = join(dir, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({ server: { url: server.url }, device: { id: device.id, venueId, keyFile }, store: { path: kioskDb }, scanner: { kind: 'stdin' }, gate: { kind: 'fake' } }),
    );
    // As deployed: the bundled `kiosk` (npm run build). For comparison, the same from TypeScript sources.
    // Built into the repository's dist/ (as `npm run build` does) so node_modules resolves.
    const bundle = await buildCli();
    const deployed = await catchUp(bundle, config);
    const fromSource = await catchUp(KIOSK, config, () => fillOutbox(kioskDb, BACKLOG, 'bench-boot-2'));
    await server.stop();
    const check = new SqliteStore(serverDb);
    const onServer = await check.countEntries();
    await check.close();
    const { uploaded, ms, peakRss } = deployed;
    const entriesPerSecond = Math.round((uploaded / ms) * 1000);
    log(`  bundled kiosk: uploaded ${uploaded} in ${(ms / 1000).toFixed(2)} s: ${entriesPerSecond} entries/s, core peak RSS ${peakRss} MiB`);
    log(`  from sources:  uploaded ${fromSource.uploaded} in ${(fromSource.ms / 1000).toFixed(2)} s, core peak RSS ${fromSource.peakRss} MiB; server holds ${onServer}`);

    const bigDb = join(dir, 'big.db');
    fillOutbox(bigDb, DISK_ENTRIES);
    const diskMiB = Math.round((statSync(bigDb).size / 2 ** 20) * 10) / 10;
    log(`  ${DISK_ENTRIES} entries: ${diskMiB} MiB on disk`);
    rmSync(dir, { recursive: true, force: true });
    return {
      backlog: BACKLOG,
      uploaded,
      onServerAfterBothRuns: onServer,
      seconds: Math.round(ms) / 1000,
      entriesPerSecond,
      kioskPeakRssMiB: peakRss,
      fromSources: { entriesPerSecond: Math.round((fromSource.uploaded / fromSource.ms) * 1000), kioskPeakRssMiB: fromSource.peakRss },
      outboxBytesPerEntry: bytesPerEntry,
      millionEntriesDiskMiB: diskMiB,
      targets: { entriesPerSecond: 20_000, kioskPeakRssMiB: 150, millionEntriesDiskMiB: 300 },
      isWithinTarget: entriesPerSecond >= 20_000 && peakRss < 150 && diskMiB < 300 && onServer === 2 * BACKLOG,
    };
  },
};

async function buildCli(): Promise<string> {
  const { build } = await import('esbuild');
  const options = buildOptions().cli;
  await build(options);
  return join(options.outdir as string, 'kiosk.mjs');
}

/** Runs `kiosk run` with the stdin scanner and stdin closed: it uploads its backlog, then exits. */
async function catchUp(kiosk: string, config: string, before?: () => void): Promise<{ uploaded: number; ms: number; peakRss: number }> {
  before?.();
  const proc = spawn(process.execPath, [kiosk, 'run', '--config', config, '--headless', '--events', '-', '--drain-ms', '600000'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, KIOSK_LOG_LEVEL: 'error' },
  });
  let readyAt = 0;
  let lastUploadAt = 0;
  let uploaded = 0;
  let peakRss = Number.NaN;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as { type: string; count?: number; peakRssMiB?: number };
    if (e.type === 'ready') readyAt = performance.now();
    if (e.type === 'uploaded') {
      uploaded += e.count ?? 0;
      lastUploadAt = performance.now();
    }
    if (e.type === 'stopped') peakRss = e.peakRssMiB ?? Number.NaN;
  });
  proc.stdin.end();
  await new Promise((r) => proc.on('exit', r));
  return { uploaded, ms: lastUploadAt - readyAt, peakRss };
}
