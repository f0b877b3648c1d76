import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const KIOSK = join(import.meta.dirname, '..', 'kiosk.js');

/**
 * The reference server in its own process, as a real deployment has it: its request handling
 * must not share the kiosk's event loop in a latency or throughput figure.
 */
export async function startServerProcess(dbPath: string, extra: readonly string[] = []): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [KIOSK, 'server', 'start', '--port', '0', '--db', dbPath, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (line) => resolve((JSON.parse(line) as { listening: string }).listening));
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    proc,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
