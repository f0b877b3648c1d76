import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceState, RawScan } from '../../drivers/contracts/scanner.ts';
import { SerialScanner } from '../../drivers/serial/serial-scanner.ts';
import { parsePayload } from '../../core/payload/parse.ts';
import { CCCD_TUYET } from '../fixtures/hid/generate.ts';
import { NO_SOCAT, closePort, hasSocat, openPeer, writeTo } from '../helpers/pty.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** socat with fixed link names, so it can be killed and restarted at the same paths (unplug/replug). */
function socatAt(dir: string): { dir: string; device: string; peer: string; start(): Promise<void>; kill(): Promise<void> } {
  const device = join(dir, 'scanner');
  const peer = join(dir, 'peer');
  let proc: ChildProcess | undefined;
  return {
    dir,
    device,
    peer,
    async start() {
      proc = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: 'ignore' });
      await vi.waitFor(() => expect(existsSync(device) && existsSync(peer), 'socat made both links').toBe(true), { timeout: 15_000, interval: 10 });
    },
    async kill() {
      const p = proc;
      // Already dead (the test unplugged it): its 'exit' has been emitted and will not come again.
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise((r) => {
        p.once('exit', r);
        p.kill('SIGKILL');
      });
      // SIGKILL leaves socat's links dangling; existsSync follows them, so this waits for the PTY to go.
      await vi.waitFor(() => expect(existsSync(device)).toBe(false), { timeout: 15_000, interval: 10 });
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
      // Long by default: on a busy machine a pause between two writes must not end a payload. The
      // timeout itself is the subject of drivers/parsers/framer.test.ts (fake timers).
      interByteTimeoutMs: options.interByteTimeoutMs ?? 1000,
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
      rmSync(pty.dir, { recursive: true, force: true });
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

  /** Waits for the driver to have framed `n` scans: the event, not a guess at how long the kernel takes. */
  const scansReach = (r: { scans: RawScan[] }, n: number) => vi.waitFor(() => expect(r.scans.length).toBeGreaterThanOrEqual(n), { timeout: 15_000, interval: 10 });

  it('delivers the CCCD with its Vietnamese name byte-identical to the HID POS fixtures', async () => {
    const r = await rig();
    await r.write(`${CCCD_TUYET}\r`);
    await scansReach(r, 1);
    expect(Buffer.from(r.scans[0]!.bytes).equals(Buffer.from(enc(CCCD_TUYET)))).toBe(true);
    expect(parsePayload(r.scans[0]!.bytes).displayName).toBe('Nguyễn T. Á. T.');
  });

  it('joins a payload split over reads and splits two payloads glued in one read', async () => {
    const r = await rig();
    const bytes = enc(`${CCCD_TUYET}\r`);
    // Split inside a multi-byte UTF-8 character ("ễ" = e1 bb 85), two writes with a pause between.
    await r.write(bytes.subarray(0, 23));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.write(bytes.subarray(23));
    await r.write('ONE\rTWO\r');
    await scansReach(r, 3);
    expect(texts(r.scans)).toEqual([CCCD_TUYET, 'ONE', 'TWO']);
  });

  it('strips a configured prefix', async () => {
    const r = await rig({ prefix: ']Q1' });
    await r.write(`]Q1${CCCD_TUYET}\r`);
    await scansReach(r, 1);
    expect(texts(r.scans)).toEqual([CCCD_TUYET]);
  });

  it('survives 10 kB without a suffix, binary garbage and half a payload, and reads the next scan', async () => {
    const r = await rig({ maxPayloadBytes: 4096 });
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256).filter((b) => b !== 0x0d);
    // Everything up to the next suffix after an overflow is one bad scan, however long.
    await r.write(Uint8Array.from([...enc('X'.repeat(10_000)), ...garbage, 0x0d]));
    await scansReach(r, 1);
    await r.write(Uint8Array.from([...garbage, 0x0d]));
    await scansReach(r, 2);
    // Half a payload ends by the inter-byte timeout.
    await r.write(CCCD_TUYET.slice(0, 30));
    await scansReach(r, 3);
    await r.write(`${CCCD_TUYET}\r`);
    await scansReach(r, 4);
    expect(r.scans.map((s) => s.framing)).toEqual(['overflow', 'suffix', 'timeout', 'suffix']);
    expect(parsePayload(r.scans[0]!.bytes).assurance).toBe('unreadable');
    expect(parsePayload(r.scans[1]!.bytes).assurance).toBe('unreadable');
    expect(parsePayload(r.scans[2]!.bytes).assurance).toBe('unreadable');
    expect(texts(r.scans).at(-1)).toBe(CCCD_TUYET);
  });

  // How soon it reopens (the reopen interval) is timed with fake timers in
  // drivers/serial/serial-scanner.test.ts; here real PTYs show that it does, without a restart.
  it('recovers when the scanner is unplugged and plugged back, without a restart', async () => {
    const r = await rig();
    await r.pty.kill();
    await vi.waitFor(() => expect(r.states).toContain('disconnected'), { timeout: 15_000, interval: 10 });
    await r.pty.start();
    await vi.waitFor(() => expect(r.states.at(-1)).toBe('connected'), { timeout: 15_000, interval: 10 });
    await r.reopenPeer();
    await r.write(`${CCCD_TUYET}\r`);
    await scansReach(r, 1);
    expect(texts(r.scans)).toEqual([CCCD_TUYET]);
  });
});
