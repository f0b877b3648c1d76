import Database from 'better-sqlite3';
import { serverPublicKeyOf } from '../../server/store/rules.ts';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rawPublicKey } from '../../core/identity/device-key.ts';
import { buildServer } from '../../server/http/app.ts';
import { cccdQr, makePeople, pcCovidQr, rng, seedStatuses } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';

const KIOSK = join(import.meta.dirname, '..', 'kiosk.js');

export interface TortureResult {
  iterations: number;
  printedVerdicts: number;
  storedOnKiosk: number;
  onServer: number;
  /** Printed verdicts, or kiosk entries, that never reached the server. */
  lost: number;
  /** Entries the server holds more than once (by seq), or that the kiosk never stored. */
  duplicated: number;
  details: Record<string, unknown>;
}

export interface Rig {
  dir: string;
  store: SqliteStore;
  url: string;
  deviceId: string;
  configPath: string;
  payloads: string[];
  close(): Promise<void>;
}

/** Server (in this process), an enrolled device, a kiosk config with the stdin scanner. */
export async function makeRig(options: { serverUrlOverride?: (url: string) => Promise<string>; upload?: Record<string, number> } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-torture-'));
  const store = new SqliteStore(join(dir, 'server.db'));
  const app = buildServer({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const people = makePeople(3000, 77);
  await seedStatuses(store, people);
  const { venueId, enrollmentCode } = await store.createVenue('Torture', 'bus-station');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { device } = await store.enroll(enrollmentCode, rawPublicKey(publicKey), 'torture');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  const kioskUrl = options.serverUrlOverride ? await options.serverUrlOverride(url) : url;
  const configPath = join(dir, 'kiosk.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { url: kioskUrl, statusBudgetMs: 300, publicKey: serverPublicKeyOf(store.serverKey) },
      device: { id: device.id, venueId, keyFile },
      store: { path: join(dir, 'kiosk.db') },
      scanner: { kind: 'stdin' },
      gate: { kind: 'fake', pulseMs: 50 },
      upload: { batchMaxEntries: 50, batchMaxAgeMs: 5, backoffMinMs: 20, backoffMaxMs: 300, requestTimeoutMs: 1000, ...options.upload },
      duplicateWindowMs: 0,
    }),
  );
  const payloads = people.flatMap((p, i) => [cccdQr(p), pcCovidQr(p, i % 2 === 0), ...(i % 50 === 0 ? ['not a qr', '\u0001binary'] : [])]);
  return { dir, store, url, deviceId: device.id, configPath, payloads, close: async () => (await app.close(), await store.close()) };
}

/** What the kiosk's outbox holds: entry ids in seq order. */
export function kioskEntries(rig: Rig): string[] {
  const db = new Database(join(rig.dir, 'kiosk.db'), { readonly: true });
  try {
    return (db.prepare('SELECT lower(hex(entry_id)) AS id FROM entries ORDER BY seq').all() as Array<{ id: string }>).map((r) =>
      r.id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    );
  } finally {
    db.close();
  }
}

/** Runs `kiosk run` with stdin closed at once: it uploads what is pending and exits. */
export async function drain(rig: Rig, timeoutMs = 60_000): Promise<number | null> {
  const proc = spawn(process.execPath, [KIOSK, 'run', '--config', rig.configPath, '--headless', '--drain-ms', String(timeoutMs)], {
    stdio: ['pipe', 'ignore', 'inherit'],
    env: { ...process.env, KIOSK_LOG_LEVEL: 'error' },
  });
  proc.stdin.end();
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

export async function compare(rig: Rig, printed: ReadonlySet<string>, iterations: number, details: Record<string, unknown>): Promise<TortureResult> {
  const stored = kioskEntries(rig);
  const server = await rig.store.listEntries({ deviceId: rig.deviceId });
  const onServer = new Set(server.map((e) => e.entryId));
  const storedSet = new Set(stored);
  const lostPrinted = [...printed].filter((id) => !onServer.has(id));
  const lostStored = stored.filter((id) => !onServer.has(id));
  const seqs = new Set(server.map((e) => e.seq));
  const extra = server.filter((e) => !storedSet.has(e.entryId));
  return {
    iterations,
    printedVerdicts: printed.size,
    storedOnKiosk: stored.length,
    onServer: server.length,
    lost: new Set([...lostPrinted, ...lostStored]).size,
    duplicated: server.length - seqs.size + extra.length,
    details: { ...details, lostPrinted: lostPrinted.slice(0, 5), lostStored: lostStored.slice(0, 5), gaps: await rig.store.gaps(rig.deviceId) },
  };
}

/**
 * Torture 1: SIGKILL the whole `kiosk run` process group (supervisor and core, as a power cut
 * does) at random moments while it scans and uploads, restart, repeat; then let it drain. Every
 * verdict that was printed must be on the server, exactly once.
 */
export async function killTorture(options: { iterations: number; seed?: number; log?: (s: string) => void }): Promise<TortureResult> {
  const random = rng(options.seed ?? 1);
  const rig = await makeRig();
  const printed = new Set<string>();
  let next = 0;
  let kills = 0;
  try {
    for (let i = 0; i < options.iterations; i++) {
      const proc = spawn(process.execPath, [KIOSK, 'run', '--config', rig.configPath, '--headless', '--events', '-'], {
        stdio: ['pipe', 'pipe', 'ignore'],
        detached: true,
        env: { ...process.env, KIOSK_LOG_LEVEL: 'fatal' },
      });
      proc.stdin.on('error', () => undefined);
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      createInterface({ input: proc.stdout }).on('line', (line) => {
        try {
          const e = JSON.parse(line) as { type: string; entryId?: string };
          if (e.type === 'ready') ready();
          if (e.type === 'verdict' && e.entryId) printed.add(e.entryId);
        } catch {
          // A line cut by the kill: not a printed event.
        }
      });
      const exited = new Promise<void>((r) => proc.on('exit', () => r()));
      await Promise.race([isReady, exited, new Promise((r) => setTimeout(r, 10_000))]);
      const killAt = Date.now() + 30 + random() * 400;
      while (Date.now() < killAt && proc.exitCode === null) {
        proc.stdin.write(`${rig.payloads[next++ % rig.payloads.length]}\n`);
        await new Promise((r) => setTimeout(r, 1 + random() * 8));
      }
      try {
        process.kill(-(proc.pid as number), 'SIGKILL');
        kills++;
      } catch {
        // Already gone.
      }
      await exited;
      if (options.log && (i + 1) % 10 === 0) options.log(`  ${i + 1}/${options.iterations} kills, ${printed.size} verdicts printed`);
    }
    const drainCode = await drain(rig);
    return await compare(rig, printed, options.iterations, { kills, drainCode, scansWritten: next });
  } finally {
    await rig.close();
  }
}
