import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KioskEvent } from '../../common/events.ts';

export const KIOSK_BIN = join(import.meta.dirname, '..', '..', 'scripts', 'kiosk.js');

export interface KioskProcess {
  proc: ChildProcess;
  events: KioskEvent[];
  stderr: () => string;
  waitFor(predicate: (e: KioskEvent) => boolean, timeoutMs?: number): Promise<KioskEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `kiosk <args>` and parses NDJSON events from its stdout. */
export function spawnKiosk(args: string[], options: { stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): KioskProcess {
  const proc = spawn(process.execPath, [KIOSK_BIN, ...args], {
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, KIOSK_LOG_LEVEL: 'warn', ...options.env },
  });
  const events: KioskEvent[] = [];
  const waiters: Array<{ predicate: (e: KioskEvent) => boolean; resolve: (e: KioskEvent) => void }> = [];
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let e: KioskEvent;
    try {
      e = JSON.parse(line) as KioskEvent;
    } catch {
      return;
    }
    events.push(e);
    for (const w of [...waiters]) {
      if (w.predicate(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    events,
    stderr: () => err,
    exited,
    waitFor(predicate, timeoutMs = 60_000) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout; events: ${JSON.stringify(events)}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        void exited.then(({ code }) => reject(new Error(`kiosk exited (${code}) before the event; stderr: ${err}`)));
      });
    },
  };
}

/** Runs `kiosk <args>` to completion. */
export function runKiosk(args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [KIOSK_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input ?? '');
  });
}
