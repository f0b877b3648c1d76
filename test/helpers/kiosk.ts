import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type KioskConfig, type KioskConfigInput } from '../../common/config.ts';
import type { Clock } from '../../common/clock.ts';
import type { Sensor } from '../../drivers/contracts/sensor.ts';
import type { KioskEvent } from '../../common/events.ts';
import { silentLogger } from '../../core/log.ts';
import { startKiosk, type RunningKiosk } from '../../core/runtime/start-kiosk.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import type { EnrolledDevice } from './server.ts';

export interface TestKiosk {
  running: RunningKiosk;
  scanner: FakeScanner;
  gate: FakeRelay;
  indicator: FakeIndicator;
  events: KioskEvent[];
  config: KioskConfig;
  dir: string;
  /** Resolves with the first event matching `predicate` (already seen or future). */
  waitFor<T extends KioskEvent>(predicate: (e: KioskEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (e: KioskEvent) => boolean, timeoutMs?: number): Promise<KioskEvent>;
}

export function writeDeviceKey(dir: string, device: EnrolledDevice): string {
  const keyFile = join(dir, 'device-key.pem');
  writeFileSync(keyFile, device.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return keyFile;
}

/** A kiosk core with fake devices and a real SQLite outbox, optionally enrolled at a test server. */
export async function startTestKiosk(
  options: { serverUrl?: string; device?: EnrolledDevice; config?: Partial<KioskConfigInput>; dir?: string; clock?: Clock; isClockSynced?: boolean; sensor?: Sensor } = {},
): Promise<TestKiosk> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kiosk-'));
  const input: KioskConfigInput = {
    store: { path: join(dir, 'kiosk.db') },
    scanner: { kind: 'fake' },
    gate: { kind: 'fake', pulseMs: 100 },
    upload: { batchMaxAgeMs: 20, backoffMinMs: 50, backoffMaxMs: 200 },
    ...(options.serverUrl && options.device
      ? {
          // The largest status budget the config allows (a busy machine keeps it); the budget has its own tests (core/status).
          server: { url: options.serverUrl, statusBudgetMs: 5000 },
          device: { id: options.device.deviceId, venueId: options.device.venueId, keyFile: writeDeviceKey(dir, options.device), riskListKey: options.device.riskListKey },
        }
      : {}),
    ...options.config,
  };
  const config = configSchema.parse(input);
  const scanner = new FakeScanner();
  const gate = new FakeRelay();
  const indicator = new FakeIndicator();
  const events: KioskEvent[] = [];
  const waiters: Array<{ predicate: (e: KioskEvent) => boolean; resolve: (e: KioskEvent) => void }> = [];
  const emit = (e: KioskEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.predicate(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const running = await startKiosk(config, {
    drivers: { scanner, gate, indicator, ...(options.sensor ? { sensor: options.sensor } : {}) },
    emit,
    log: silentLogger,
    isClockSynced: () => options.isClockSynced ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const waitFor = (predicate: (e: KioskEvent) => boolean, timeoutMs = 60_000): Promise<KioskEvent> => {
    const seen = events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
      waiters.push({
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  };
  return { running, scanner, gate, indicator, events, config, dir, waitFor };
}

/** The latest verdict once every queued scan has been handled. */
export async function lastVerdict(k: TestKiosk): Promise<Extract<KioskEvent, { type: 'verdict' }>> {
  await k.running.core.whenIdle();
  const v = k.events.filter((e): e is Extract<KioskEvent, { type: 'verdict' }> => e.type === 'verdict').at(-1);
  if (!v) throw new Error('no verdict yet');
  return v;
}

/** Stops what a test started (kiosk first: its uploader talks to the server), whichever exist. */
export async function stopAll(kiosk: TestKiosk | undefined, server: { close(): Promise<void> } | undefined): Promise<void> {
  await kiosk?.running.stop();
  await server?.close();
}
