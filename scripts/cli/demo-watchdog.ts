import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface WatchdogResult {
  corePid: number;
  watchdogMs: number;
  /** From the SIGKILL to the gate output reading off. */
  restoredMs: number;
  isWithinWatchdog: boolean;
}

/**
 * The gate's safety net, shown live: `kiosk run` (supervisor + core) drives a gate through the
 * kernel LED class (against a stand-in sysfs directory here), a scan opens a 30-second pulse, the
 * core is killed with SIGKILL mid-pulse, and the time until the supervisor has driven the output
 * safe is measured from the files the driver writes.
 */
export async function demoWatchdog(dir: string, payload: string, kioskProgram: string): Promise<WatchdogResult> {
  const leds = join(dir, 'leds');
  mkdirSync(join(leds, 'gate'), { recursive: true });
  for (const [f, v] of [['brightness', '0'], ['max_brightness', '1'], ['trigger', 'none']] as const) writeFileSync(join(leds, 'gate', f), v);
  const read = (f: string) => readFileSync(join(leds, 'gate', f), 'utf8').trim();
  const config = join(dir, 'watchdog.json');
  const watchdogMs = 2000;
  writeFileSync(
    config,
    JSON.stringify({ store: { path: 'watchdog.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'led', name: 'gate', root: leds, pulseMs: 30_000, watchdogMs }, policy: { offlineAction: 'allow' } }),
  );
  const run = spawn(process.execPath, [kioskProgram, 'run', '--config', config, '--headless', '--events', '-'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, KIOSK_LOG_LEVEL: 'fatal' } });
  const events: Array<{ type: string; pid?: number; state?: string }> = [];
  createInterface({ input: run.stdout }).on('line', (l) => events.push(JSON.parse(l) as { type: string }));
  const waitFor = async (pred: (e: { type: string; pid?: number; state?: string }) => boolean) => {
    // A bound for a hung core, not a wait: a busy machine can take many seconds to start one.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const e = events.find(pred);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`watchdog demo: expected event did not come (${JSON.stringify(events)})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    const ready = await waitFor((e) => e.type === 'ready');
    run.stdin.write(`${payload}\n`);
    await waitFor((e) => e.type === 'gate' && e.state === 'open');
    if (read('trigger') !== 'oneshot') throw new Error('watchdog demo: the gate pulse did not start');
    const killedAt = performance.now();
    process.kill(ready.pid as number, 'SIGKILL');
    while (!(read('trigger') === 'none' && read('brightness') === '0')) {
      if (performance.now() - killedAt > 60_000) throw new Error('watchdog demo: the supervisor never drove the gate safe');
      await new Promise((r) => setTimeout(r, 2));
    }
    const restoredMs = Math.round((performance.now() - killedAt) * 10) / 10;
    return { corePid: ready.pid as number, watchdogMs, restoredMs, isWithinWatchdog: restoredMs <= watchdogMs };
  } finally {
    run.kill('SIGTERM');
    await new Promise((r) => run.once('exit', r));
  }
}
