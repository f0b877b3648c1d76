import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceState } from '../contracts/scanner.ts';

/** A port that is there or not, as the test says; close() emits 'close' like serialport does. */
class FakePort extends EventEmitter {
  isOpen = true;
  close(cb: () => void): void {
    this.isOpen = false;
    cb();
  }
}
const device = vi.hoisted(() => ({ isPresent: true, opened: 0, last: undefined as EventEmitter | undefined }));
vi.mock('./port.ts', () => ({
  openSerialPort: () => {
    if (!device.isPresent) return Promise.reject(new Error('cannot open /dev/ttyACM0: ENOENT'));
    device.opened++;
    device.last = new FakePort();
    return Promise.resolve(device.last);
  },
  closeSerialPort: (port: FakePort) => new Promise<void>((resolve) => (port.isOpen ? port.close(resolve) : resolve())),
}));
const { SerialScanner } = await import('./serial-scanner.ts');

const enc = (s: string) => new TextEncoder().encode(s);

describe('SerialScanner reopening (fake timers: time is the subject)', () => {
  afterEach(() => {
    vi.useRealTimers();
    device.isPresent = true;
    device.opened = 0;
  });

  it('reopens an unplugged port at the reopen interval, not before', async () => {
    vi.useFakeTimers();
    const scanner = new SerialScanner({ path: '/dev/ttyACM0', baudRate: 9600, suffix: enc('\r'), interByteTimeoutMs: 80, prefix: enc(''), maxPayloadBytes: 4096, reopenIntervalMs: 200 });
    const states: DeviceState[] = [];
    await scanner.start({ onScan: () => undefined, onState: (s) => states.push(s) });
    expect(states).toEqual(['connected']);

    device.isPresent = false;
    // Unplugging errors the open port, as the kernel does with EIO.
    device.last?.emit('error', new Error('read EIO'));
    await vi.advanceTimersByTimeAsync(200);
    expect(states).toEqual(['connected', 'disconnected', 'waiting']);

    device.isPresent = true;
    await vi.advanceTimersByTimeAsync(199);
    expect(states.at(-1)).toBe('waiting');
    await vi.advanceTimersByTimeAsync(1);
    expect(states.at(-1)).toBe('connected');
    expect(device.opened).toBe(2);
    await scanner.stop();
  });
});
