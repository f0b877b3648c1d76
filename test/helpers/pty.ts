import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
export const NO_SOCAT = 'skipped: socat is not installed (apt-get install socat; .ci/run installs it)';

export interface PtyPair {
  /** The end the driver under test opens. */
  device: string;
  /** The end the test plays the hardware on. */
  peer: string;
  close(): void;
}

/** A real pseudo-terminal pair (socat), raw, no echo: what a USB serial device looks like to the driver. */
export async function openPtyPair(name = 'tty'): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-pty-'));
  const device = join(dir, `${name}-dev`);
  const peer = join(dir, `${name}-peer`);
  const proc: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!(existsSync(device) && existsSync(peer))) {
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error('socat did not create the PTY pair within 5 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { device, peer, close: () => proc.kill('SIGTERM') };
}

/** Opens the peer end for the test to write scanner bytes or read relay commands. */
export function openPeer(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 9600, autoOpen: false, lock: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

/** Collects everything a peer receives. */
export function collect(port: SerialPort): { bytes: () => Buffer; waitFor: (n: number, timeoutMs?: number) => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  port.on('data', (c: Buffer) => chunks.push(c));
  const bytes = () => Buffer.concat(chunks);
  return {
    bytes,
    async waitFor(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (bytes().length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} bytes, got ${bytes().length}: ${bytes().toString('hex')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return bytes();
    },
  };
}

export function writeTo(port: SerialPort, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data), (err) => {
      if (err) reject(err);
      else port.drain((e) => (e ? reject(e) : resolve()));
    });
  });
}

export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}
