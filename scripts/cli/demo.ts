import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KioskEvent } from '../../common/events.ts';
import type { TrustEntry } from '../../common/wire.ts';
import { provision } from '../../core/provision/provision.ts';
import { loadConfigFile } from '../../core/runtime/config-file.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import type { ScanOutcome } from '../../core/pipeline/kiosk-core.ts';
import type { RawScan } from '../../drivers/contracts/scanner.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import { buildServer } from '../../server/http/app.ts';
import { createPrivateKey } from 'node:crypto';
import { issueDcc, testResult, vaccination } from '../dcc/issue.ts';
import DEMO_SIGNER from '../dcc/demo-signer.json' with { type: 'json' };
import BUNDLED_VALUE_SETS from '../../server/dcc-value-sets.json' with { type: 'json' };
import { bhytQr, cccdQr, makePeople, pcCovidQr, seedStatuses, type Person } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { demoWatchdog } from './demo-watchdog.ts';
import { makeLogger, printJson } from './output.ts';

export interface DemoOptions {
  durationS: number;
  json?: boolean;
  intervalMs: number;
  keep?: boolean;
}

export interface DemoSummary {
  scans: number;
  duplicates: number;
  allowed: number;
  denied: number;
  warned: number;
  stored: number;
  uploaded: number;
  onServer: number;
  p50ScanToGateMs: number;
  p99ScanToGateMs: number;
  p50VerdictMs: number;
  p99VerdictMs: number;
  durationS: number;
  /** SIGKILL of the core mid-pulse → gate output off, as the supervisor restored it. */
  watchdogRestoredMs: number;
  watchdogMs: number;
}

/** The built-in mix: valid, flagged, yellow, unknown, malformed and duplicate scans. */
function demoMix(people: readonly Person[]): Array<{ label: string; payload: string }> {
  const by = (s: Person['status']) => people.filter((p) => p.status === s);
  const green = by('green');
  const red = by('red');
  const yellow = by('yellow');
  const unknown = by('unknown');
  const mix: Array<{ label: string; payload: string }> = [];
  for (let i = 0; i < 6; i++) {
    const p = green[i % green.length] as Person;
    mix.push({ label: 'CCCD, declared', payload: cccdQr(p, i % 3 === 0 ? 11 : 7) });
    mix.push({ label: 'PC-COVID, masked', payload: pcCovidQr(green[(i + 7) % green.length] as Person, true) });
  }
  mix.push({ label: 'BHYT card, declared', payload: bhytQr(green[3 % green.length] as Person) });
  mix.push({ label: 'venue poster held up by mistake', payload: 'https://qrcode.pccovid.gov.vn/checkin?locationId=79-760-00012' });
  mix.push({ label: 'CCCD, flagged F0/F1', payload: cccdQr(red[0] as Person) });
  mix.push({ label: 'PC-COVID, flagged', payload: pcCovidQr(red[1 % red.length] as Person) });
  mix.push({ label: 'CCCD, yellow', payload: cccdQr(yellow[0] as Person) });
  mix.push({ label: 'CCCD, never declared', payload: cccdQr(unknown[0] as Person) });
  mix.push({ label: 'malformed (truncated CCCD)', payload: cccdQr(green[2] as Person).slice(0, 40) });
  mix.push({ label: 'malformed (garbage)', payload: '\u0001\u0002garbage\u00ff' });
  mix.push({ label: 'not a QR we know', payload: 'https://example.com/menu' });
  // A foreign traveller: an EU DCC from the demo issuer, verified offline against the synced list.
  const signer = { country: DEMO_SIGNER.dsc.country, kid: DEMO_SIGNER.dsc.kid, privateKey: createPrivateKey(DEMO_SIGNER.dscPrivateKeyPem) };
  mix.push({ label: 'EU DCC, foreign traveller, vaccinated', payload: issueDcc(signer, vaccination()) });
  mix.push({ label: 'EU DCC, negative PCR test', payload: issueDcc(signer, testResult()) });
  mix.push({ label: 'EU DCC, forged', payload: issueDcc(signer, vaccination(), { isTampered: true }) });
  return mix;
}

/**
 * `kiosk demo`: the whole system on one machine: reference server on a temporary database, a venue,
 * enrollment, the core with a fake scanner and gate, uploads, and a summary. Exit 0 only when every
 * stored entry reached the server.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-demo-'));
  const log = makeLogger(process.env.KIOSK_LOG_LEVEL ?? 'error');
  const store = new SqliteStore(join(dir, 'server.db'));
  const app = buildServer({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const people = makePeople(200, 7);
  await seedStatuses(store, people);
  await store.trustList.import([DEMO_SIGNER.csca as TrustEntry, DEMO_SIGNER.dsc], BUNDLED_VALUE_SETS);
  const venue = await store.createVenue('Bệnh viện Đa khoa Demo', 'hospital');
  const configPath = join(dir, 'kiosk.json');
  const enrolled = await provision({ serverUrl: url, code: venue.enrollmentCode, configPath });
  const raw = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...raw, scanner: { kind: 'fake' }, gate: { kind: 'fake', pulseMs: 300 } }, null, 2));
  const config = loadConfigFile(configPath);

  const scanner = new FakeScanner({ id: 'demo-scanner' });
  const gate = new FakeRelay('demo-gate');
  let uploaded = 0;
  const emit = (e: KioskEvent) => {
    if (e.type === 'uploaded') uploaded += e.count;
    if (e.type === 'error' && e.code !== 'not-provisioned') process.stderr.write(`  ! ${e.code}: ${e.message}\n`);
  };
  const running = await startKiosk(config, { drivers: { scanner, gate, indicator: new FakeIndicator() }, emit, log });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Certificates are verified against the list the kiosk synced from the server: wait for it.
  if (!(await running.trustSync?.syncNow())) process.stderr.write('  ! the EU DCC trust list did not sync: certificates will be denied\n');
  out(`kiosk demo: server ${url}, venue "${'Bệnh viện Đa khoa Demo'}" (${venue.venueId}), device ${enrolled.deviceId}`);

  const outcomes: ScanOutcome[] = [];
  const labels = new Map<RawScan, string>();
  running.core.onOutcome = (o) => {
    outcomes.push(o);
    const mark = o.decision.verdict === 'allow' ? '✓ ALLOW' : o.decision.verdict === 'deny' ? '✗ DENY ' : '! WARN ';
    out(
      `#${String(o.seq ?? '-').padStart(4)} ${mark} ${o.credential.format.padEnd(10)} ${(o.credential.displayName ?? '').padEnd(20)} ` +
        `[${o.decision.reasons.join(',')}] via ${o.decision.source}, gate ${o.scanToGateMs.toFixed(1)} ms  (${labels.get(o.scan) ?? ''})`,
    );
  };

  const mix = demoMix(people);
  const started = performance.now();
  let i = 0;
  while (performance.now() - started < options.durationS * 1000) {
    const item = mix[i % mix.length] as { label: string; payload: string };
    labels.set(scanner.emit(item.payload), item.label);
    // Every ninth scan the person scans again at once: one scan, not two.
    if (i % 9 === 4) {
      scanner.emit(item.payload);
      out(`      (duplicate of the previous scan suppressed)`);
    }
    i++;
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
  await running.core.whenIdle();
  const isDrained = (await running.uploader?.drain(20_000)) ?? false;
  const counters = { ...running.core.counters };
  await running.stop('demo finished');
  const onServer = (await store.listEntries({ deviceId: enrolled.deviceId })).length;
  await app.close();
  await store.close();

  out('watchdog: killing the core with SIGKILL during an open gate pulse…');
  const greenPerson = people.find((p) => p.status === 'green') as Person;
  const watchdog = await demoWatchdog(dir, cccdQr(greenPerson), process.argv[1] as string);
  out(
    `watchdog: core pid ${watchdog.corePid} killed mid-pulse; the supervisor drove the gate output off after ${watchdog.restoredMs} ms ` +
      `(watchdog ${watchdog.watchdogMs} ms)${watchdog.isWithinWatchdog ? '' : '  — TOO SLOW'}`,
  );
  if (!options.keep) rmSync(dir, { recursive: true, force: true });

  const gateMs = outcomes.map((o) => o.scanToGateMs);
  const verdictMs = outcomes.map((o) => o.verdictLatencyMs);
  const summary: DemoSummary = {
    scans: counters.scans,
    duplicates: counters.duplicates,
    allowed: counters.allowed,
    denied: counters.denied,
    warned: counters.warned,
    stored: counters.stored,
    uploaded,
    onServer,
    p50ScanToGateMs: percentile(gateMs, 50),
    p99ScanToGateMs: percentile(gateMs, 99),
    p50VerdictMs: percentile(verdictMs, 50),
    p99VerdictMs: percentile(verdictMs, 99),
    durationS: options.durationS,
    watchdogRestoredMs: watchdog.restoredMs,
    watchdogMs: watchdog.watchdogMs,
  };
  const isOk = isDrained && summary.stored > 0 && summary.uploaded === summary.stored && summary.onServer === summary.stored && watchdog.isWithinWatchdog;
  out(
    `summary: ${summary.scans} scans (${summary.duplicates} duplicates suppressed): ${summary.allowed} allowed, ${summary.denied} denied, ` +
      `${summary.warned} warned; ${summary.stored} stored, ${summary.uploaded} uploaded, ${summary.onServer} on the server; ` +
      `scan-to-gate p50 ${summary.p50ScanToGateMs} ms, p99 ${summary.p99ScanToGateMs} ms${isOk ? '' : '  — NOT ALL ENTRIES UPLOADED'}`,
  );
  if (options.json) printJson(summary);
  process.exit(isOk ? 0 : 1);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[idx] as number) * 100) / 100;
}
