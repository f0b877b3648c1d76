import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceState, RawScan, Scanner } from '../../drivers/contracts/scanner.ts';

export interface ScannerRig {
  scanner: Scanner;
  /** Delivers one payload through the transport, as the device would (suffix, reports…). */
  feed(payload: string): Promise<void>;
  teardown?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for what the driver reports, however busy the machine; the bound only catches a hang. */
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 30_000, interval: 5 });

/**
 * The scanner contract (drivers/contracts/scanner.ts), run against every driver with a way to feed
 * it: the fake, stdin, serial on a PTY, HID POS and keyboard on a fake HID bus. Real hardware runs
 * it when KIOSK_TEST_SERIAL is set (scanner.pty-and-hardware.test.ts).
 */
export function scannerContract(name: string, make: () => Promise<ScannerRig>, options: { payload?: string; settleMs?: number } = {}): void {
  const payload = options.payload ?? '079303001234||Nguyen Thi Anh Tuyet|15082003|Nam|Quan 1|20052021';
  // Only for "nothing happens": an absence has no event to wait for.
  const quietPeriod = () => sleep(options.settleMs ?? 120);

  describe(`scanner contract: ${name}`, () => {
    let rig: ScannerRig | undefined;
    afterEach(async () => {
      await rig?.scanner.stop();
      await rig?.teardown?.();
      rig = undefined;
    });

    async function started() {
      rig = await make();
      const scans: RawScan[] = [];
      const states: DeviceState[] = [];
      await rig.scanner.start({ onScan: (s) => scans.push(s), onState: (s) => states.push(s) });
      await until(() => expect(states).toContain('connected'));
      return { rig, scans, states };
    }

    it('reports connected once started', async () => {
      const { states } = await started();
      expect(states).toContain('connected');
    });

    it('delivers one scan per payload, bytes intact, stamped with its source and time', async () => {
      const { rig: r, scans } = await started();
      const before = performance.now();
      await r.feed(payload);
      await until(() => expect(scans).toHaveLength(1));
      expect(new TextDecoder().decode(scans[0]!.bytes)).toBe(payload);
      expect(scans[0]!.source).toBe(r.scanner.id);
      expect(scans[0]!.monoMs).toBeGreaterThanOrEqual(before - 1);
    });

    it('delivers payloads in order', async () => {
      const { rig: r, scans } = await started();
      await r.feed('FIRST-PAYLOAD-1');
      await until(() => expect(scans).toHaveLength(1));
      await r.feed('SECOND-PAYLOAD-2');
      await until(() => expect(scans).toHaveLength(2));
      expect(scans.map((s) => new TextDecoder().decode(s.bytes))).toEqual(['FIRST-PAYLOAD-1', 'SECOND-PAYLOAD-2']);
    });

    it('delivers nothing after stop resolved', async () => {
      const { rig: r, scans } = await started();
      await r.scanner.stop();
      await r.feed(payload).catch(() => undefined);
      await quietPeriod();
      expect(scans).toHaveLength(0);
    });
  });
}
