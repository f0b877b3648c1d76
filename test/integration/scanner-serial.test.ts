import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceState, RawScan } from '../../drivers/contracts/scanner.ts';
import { SerialScanner } from '../../drivers/serial/serial-scanner.ts';
import { parsePayload } from '../../core/payload/parse.ts';
import { CCCD_TUYET } from '../fixtures/hid/generate.ts';
import { NO_SOCAT, closePort, hasSocat, openPeer, writeTo } from '../helpers/pty.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = (s: string) => new TextEncoder().encode(s);

/** socat with fixed link names, so it can be killed and restarted at the same paths (unplug/replug). */
function socatAt(dir: string): { device: string; peer: string; start(): Promise<void>; kill(): Promise<void> } {
  const device = join(dir, 'scanner');
  const peer = join(dir, 'peer');
  let proc: ChildProcess | undefined;
  return {
    device,
    peer,
    async start() {
      proc = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: 'ignore' });
      const deadline = Date.now() + 5000;
      while (!(existsSync(device) && existsSync(peer))) {
        if (Date.now() > deadline) throw new Error('socat did not start');
        await sleep(10);
      }
    },
    async kill() {
      const p = proc;
      if (!p) return;
      await new Promise((r) => {
        p.once('exit', r);
        p.kill('SIGKILL');
      });
      while (existsSync(device)) await sleep(10);
    },
  };
}

describe.skipIf(!hasSocat)(`SerialScanner on real pseudo-terminals ${hasSocat ? '' : NO_SOCAT}`, () => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function rig(options: { interByteTimeoutMs?: number; maxPayloadBytes?: number; prefix?: string } = {}) {
    const pty = socatAt(mkdtempSync(join(tmpdir(), 'kiosk-serial-')));
    await pty.start();
    const scanner = new SerialScanner({
      path: pty.device,
      baudRate: 9600,
      suffix: enc('\r'),
      interByteTimeoutMs: options.interByteTimeoutMs ?? 80,
      prefix: enc(options.prefix ?? ''),
      maxPayloadBytes: options.maxPayloadBytes ?? 4096,
      reopenIntervalMs: 200,
    });
    const scans: RawScan[] = [];
    const states: DeviceState[] = [];
    await scanner.start({ onScan: (s) => scans.push(s), onState: (s) => states.push(s) });
    let peer = await openPeer(pty.peer);
    cleanup.push(async () => {
      await scanner.stop();
      await closePort(peer).catch(() => undefined);
      await pty.kill();
    });
    return {
      pty,
      scans,
      states,
      write: (d: string | Uint8Array) => writeTo(peer, d),
      reopenPeer: async () => {
        peer = await openPeer(pty.peer);
      },
    };
  }
  const texts = (scans: RawScan[]) => scans.map((s) => Buffer.from(s.bytes).toString('utf8'));

  it('delivers the CCCD with its Vietnamese name byte-identical to the HID POS fixtures', async () => {
    const r = await rig();
    await r.write(`${CCCD_TUYET}\r`);
    await sleep(100);
    expect(Buffer.from(r.scans[0]!.bytes).equals(Buffer.from(enc(CCCD_TUYET)))).toBe(true);
    expect(parsePayload(r.scans[0]!.bytes).displayName).toBe('Nguyễn T. Á. T.');
  });

  it('joins a payload split over reads and splits two payloads glued in one read', async () => {
    const r = await rig();
    const bytes = enc(`${CCCD_TUYET}\r`);
    // Split inside a multi-byte UTF-8 character ("ễ" = e1 bb 85).
    await r.write(bytes.subarray(0, 23));
    await sleep(20);
    await r.write(bytes.subarray(23));
    await r.write('ONE\rTWO\r');
    await sleep(100);
    expect(texts(r.scans)).toEqual([CCCD_TUYET, 'ONE', 'TWO']);
  });

  it('strips a configured prefix', async () => {
    const r = await rig({ prefix: ']Q1' });
    await r.write(`]Q1${CCCD_TUYET}\r`);
    await sleep(100);
    expect(texts(r.scans)).toEqual([CCCD_TUYET]);
  });

  it('survives 10 kB without a suffix, binary garbage and half a payload, and reads the next scan', async () => {
    const r = await rig({ maxPayloadBytes: 4096 });
    await r.write('X'.repeat(10_000));
    await sleep(200);
    await r.write(Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256).filter((b) => b !== 0x0d));
    await r.write('\r');
    await sleep(100);
    await r.write(CCCD_TUYET.slice(0, 30));
    await sleep(200);
    await r.write(`${CCCD_TUYET}\r`);
    await sleep(100);
    expect(r.scans.map((s) => s.framing)).toEqual(['overflow', 'suffix', 'timeout', 'suffix']);
    expect(parsePayload(r.scans[0]!.bytes).assurance).toBe('unreadable');
    expect(parsePayload(r.scans[1]!.bytes).assurance).toBe('unreadable');
    expect(parsePayload(r.scans[2]!.bytes).assurance).toBe('unreadable');
    expect(texts(r.scans).at(-1)).toBe(CCCD_TUYET);
  });

  it('recovers within 2 s when the scanner is unplugged and plugged back, without a restart', async () => {
    const r = await rig();
    await r.pty.kill();
    const deadline = Date.now() + 3000;
    while (!r.states.includes('disconnected') && Date.now() < deadline) await sleep(20);
    expect(r.states).toContain('disconnected');
    const replugged = performance.now();
    await r.pty.start();
    while (r.states.at(-1) !== 'connected' && performance.now() - replugged < 2000) await sleep(20);
    expect(r.states.at(-1)).toBe('connected');
    expect(performance.now() - replugged).toBeLessThan(2000);
    await r.reopenPeer();
    await r.write(`${CCCD_TUYET}\r`);
    await sleep(100);
    expect(texts(r.scans)).toEqual([CCCD_TUYET]);
  });
});
