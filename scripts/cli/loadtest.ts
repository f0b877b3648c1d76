import axios, { type AxiosInstance } from 'axios';
import { generateKeyPairSync } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { systemClock } from '../../common/clock.ts';
import { KioskError } from '../../common/errors.ts';
import {
  batchResponseSchema,
  codesResponseSchema,
  enrollResponseSchema,
  entryKeysResponseSchema,
  venueCreatedSchema,
  type BatchRequest,
  type WireEntry,
} from '../../common/wire.ts';
import { HttpClient } from '../../core/http/client.ts';
import { identityFromKey, rawPublicKey } from '../../core/identity/device-key.ts';
import { makePeople } from '../../server/services/seed.ts';
import { printJson } from './output.ts';

/**
 * `kiosk server loadtest`: simulated kiosks against a running server, through the real API only:
 * each enrolls with its own Ed25519 key and uploads signed, gzipped batches the way the kiosk's
 * uploader does (the same HttpClient), retrying the same batch with backoff on 429/5xx/network
 * errors. At the end it reads back what the server holds for its venue and compares.
 */
export interface LoadtestOptions {
  url: string;
  adminToken: string;
  kiosks: number;
  durationS: number;
  batch: number;
  /** Mean pause between one kiosk's uploads; all kiosks start at once (the morning burst). */
  intervalMs: number;
  json?: boolean;
  /** After the end, how long unacknowledged batches keep being retried. */
  drainS: number;
  /** No progress line on stderr (tests and benchmarks that print their own). */
  quiet?: boolean;
  /** Called as the uploads start and once every kiosk has stopped (benchmarks measure CPU in between). */
  onUploadPhase?: (phase: 'start' | 'end') => void;
}

export interface LoadtestSummary {
  kiosks: number;
  durationS: number;
  batches: number;
  sent: number;
  acked: number;
  onServer: number;
  lost: number;
  duplicated: number;
  unacked: number;
  entriesPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  ackMaxMs: number;
  retries: number;
  errors: Record<string, number>;
  enrollSeconds: number;
}

interface SimKiosk {
  deviceId: string;
  client: HttpClient;
  nextSeq: number;
}

const PEOPLE = makePeople(500, 2112);

export async function loadtest(options: LoadtestOptions): Promise<LoadtestSummary> {
  const admin = axios.create({
    baseURL: options.url.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.adminToken}` },
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    validateStatus: () => true,
    proxy: false,
    timeout: 120_000,
  });
  const progress = (line: string) => {
    if (!options.quiet) process.stderr.write(`\r[loadtest] ${line}\u001b[K`);
  };

  const enrollStart = performance.now();
  const venue = await adminCall(admin, 'post', '/v1/venues', { name: `Loadtest ${new Date().toISOString()}`, kind: 'office' }, venueCreatedSchema);
  const codes = [venue.enrollmentCode];
  while (codes.length < options.kiosks) {
    const count = Math.min(10_000, options.kiosks - codes.length);
    const more = await adminCall(admin, 'post', `/v1/venues/${venue.venueId}/codes`, { count, ttlHours: 1 }, codesResponseSchema);
    codes.push(...more.codes.map((c) => c.code));
  }
  const kiosks: SimKiosk[] = [];
  await inParallel(codes, 32, async (code) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const enrolled = await adminCall(admin, 'post', '/v1/enroll', { code, publicKey: rawPublicKey(publicKey), name: 'loadtest' }, enrollResponseSchema);
    kiosks.push({
      deviceId: enrolled.deviceId,
      client: new HttpClient({ baseUrl: options.url, clock: systemClock, identity: identityFromKey(enrolled.deviceId, privateKey) }),
      nextSeq: 1,
    });
    if (kiosks.length % 500 === 0) progress(`enrolled ${kiosks.length}/${options.kiosks}`);
  });
  const enrollSeconds = (performance.now() - enrollStart) / 1000;
  progress(`enrolled ${kiosks.length} kiosks in ${enrollSeconds.toFixed(1)} s; uploading for ${options.durationS} s\n`);

  const acked = new Set<string>();
  const sentIds = new Set<string>();
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let batches = 0;
  let retries = 0;
  options.onUploadPhase?.('start');
  const startedAt = performance.now();
  const endAt = startedAt + options.durationS * 1000;
  const giveUpAt = endAt + options.drainS * 1000;

  const ticker = setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    const sorted = latencies.slice(-5000).sort((a, b) => a - b);
    progress(
      `${seconds.toFixed(0)} s: ${acked.size} acked (${Math.round(acked.size / Math.max(seconds, 0.001))}/s), ack p99 ${Math.round(percentile(sorted, 0.99))} ms, ` +
        `errors ${Object.values(errors).reduce((a, b) => a + b, 0)}`,
    );
  }, 1000);

  const runKiosk = async (kiosk: SimKiosk): Promise<void> => {
    // Spread the first uploads over one interval: kiosks switched on together, not in lockstep.
    await sleep(Math.random() * options.intervalMs);
    while (performance.now() < endAt) {
      const batch = makeBatch(kiosk, options.batch);
      for (const e of batch.entries) sentIds.add(e.entryId);
      let backoffMs = 200;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) retries++;
        // Timed from the moment the request leaves, as a kiosk sees it: not the generator's own queue
        // for compressing and signing ten thousand kiosks' batches on the same cores.
        let t = performance.now();
        const res = await kiosk.client.request({
          method: 'POST',
          path: '/v1/batches',
          body: batch,
          shouldGzip: true,
          schema: batchResponseSchema,
          timeoutMs: 30_000,
          headers: { 'idempotency-key': batch.batchId },
          onSending: () => (t = performance.now()),
        });
        if (res.ok) {
          latencies.push(performance.now() - t);
          batches++;
          for (const e of batch.entries) acked.add(e.entryId);
          break;
        }
        const key = `${res.status ?? 'network'}:${res.code}`;
        errors[key] = (errors[key] ?? 0) + 1;
        if (res.status !== null && res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) return;
        if (performance.now() > giveUpAt) return;
        await sleep(res.retryAfterMs ?? backoffMs * (0.5 + Math.random()));
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
      await sleep(options.intervalMs * (0.5 + Math.random()));
    }
  };
  await Promise.all(kiosks.map(runKiosk));
  options.onUploadPhase?.('end');
  clearInterval(ticker);
  const seconds = (performance.now() - startedAt) / 1000;
  progress(`done in ${seconds.toFixed(1)} s; reading back what the server holds\n`);

  const seen = new Map<string, number>();
  const seqSeen = new Set<string>();
  let duplicated = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await adminCall(admin, 'get', `/v1/entries?fields=keys&venueId=${encodeURIComponent(venue.venueId)}&after=${after}&limit=100000`, undefined, entryKeysResponseSchema);
    for (const e of page.entries) {
      seen.set(e.entryId, (seen.get(e.entryId) ?? 0) + 1);
      const deviceSeq = `${e.deviceId}#${e.seq}`;
      if (seqSeen.has(deviceSeq) || !sentIds.has(e.entryId)) duplicated++;
      seqSeen.add(deviceSeq);
    }
    if (page.entries.length < 100_000) break;
    after = (page.entries.at(-1) as { entryId: string }).entryId;
  }
  for (const n of seen.values()) if (n > 1) duplicated += n - 1;
  let lost = 0;
  for (const id of acked) if (!seen.has(id)) lost++;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    kiosks: kiosks.length,
    durationS: Math.round(seconds * 10) / 10,
    batches,
    sent: sentIds.size,
    acked: acked.size,
    onServer: seen.size,
    lost,
    duplicated,
    unacked: sentIds.size - acked.size,
    // Over the time the kiosks actually took: batches still in flight at the end are acked after it.
    entriesPerSecond: Math.round(acked.size / seconds),
    ackP50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
    ackP99Ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
    ackMaxMs: Math.round(sorted.at(-1) ?? 0),
    retries,
    errors,
    enrollSeconds: Math.round(enrollSeconds * 10) / 10,
  };
}

export async function loadtestCommand(options: LoadtestOptions): Promise<void> {
  const summary = await loadtest(options);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (!options.json) {
    out(`kiosks ${summary.kiosks}, ${summary.durationS} s: sent ${summary.sent}, acked ${summary.acked}, on server ${summary.onServer}`);
    out(`lost ${summary.lost}, duplicated ${summary.duplicated}, unacknowledged at the end ${summary.unacked}`);
    out(`${summary.entriesPerSecond} entries/s; ack p50 ${summary.ackP50Ms} ms, p99 ${summary.ackP99Ms} ms; retries ${summary.retries}; errors ${JSON.stringify(summary.errors)}`);
  } else printJson(summary);
  if (summary.lost > 0 || summary.duplicated > 0) process.exitCode = 1;
}

function makeBatch(kiosk: SimKiosk, size: number): BatchRequest {
  const entries: WireEntry[] = [];
  const now = Date.now();
  for (let i = 0; i < size; i++) {
    const person = PEOPLE[Math.floor(Math.random() * PEOPLE.length)] as (typeof PEOPLE)[number];
    const seq = kiosk.nextSeq++;
    entries.push({
      entryId: uuidv7(),
      seq,
      recordedAt: now - (size - i) * 50,
      bootId: 'loadtest',
      monoMs: seq * 50,
      clockSynced: true,
      direction: Math.random() < 0.8 ? 'in' : 'out',
      format: 'vn-cccd',
      verdict: 'allow',
      reasons: ['status-green'],
      source: 'online',
      status: 'green',
      subject: { type: 'cccd', id: person.cccd },
      dataAgeMs: null,
      latencyMs: 3 + Math.random() * 40,
      correctedAt: null,
      sealedSubject: null,
    });
  }
  return { batchId: uuidv7(), deviceId: kiosk.deviceId, entries, timeAnchors: [] };
}

async function adminCall<S extends z.ZodType>(http: AxiosInstance, method: 'get' | 'post', path: string, body: unknown, schema: S): Promise<z.output<S>> {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await http.request({ method, url: path, data: body });
    } catch (err) {
      if (attempt < 5) {
        await sleep(500 * (attempt + 1));
        continue;
      }
      throw new KioskError('server-unreachable', `${method.toUpperCase()} ${path}: ${(err as Error).message}`);
    }
    if ((res.status === 503 || res.status === 429) && attempt < 20) {
      await sleep(1000);
      continue;
    }
    if (res.status === 401) throw new KioskError('unauthorized', `${method.toUpperCase()} ${path}: the server refused the admin token (give the one it was started with)`);
    if (res.status === 404 && path === '/v1/venues') throw new KioskError('not-found', 'the server has no admin endpoints: start it with --admin-token');
    if (res.status < 200 || res.status >= 300) throw new KioskError('server-rejected', `${method.toUpperCase()} ${path}: HTTP ${res.status} ${JSON.stringify(res.data).slice(0, 300)}`);
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) throw new KioskError('server-rejected', `${method.toUpperCase()} ${path}: answer does not match the API`);
    return parsed.data;
  }
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
