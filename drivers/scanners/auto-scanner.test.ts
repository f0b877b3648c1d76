import { describe, expect, it, vi } from 'vitest';
import type { DeviceState, RawScan } from '../contracts/scanner.ts';
import { FakeHidBackend, FakeHidDevice } from '../fake/fake-hid.ts';
import { honeywell64 } from '../../test/fixtures/hid/generate.ts';
import { openDetectedScanner } from '../create.ts';
import type { HidBackend } from '../contracts/hid-backend.ts';
import { AutoScanner } from './auto-scanner.ts';
import { discoverDevices } from './discovery.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const noSerial = async () => [];
const open = (hid: HidBackend) => openDetectedScanner({ hid }, { suffix: enc('\r'), interByteTimeoutMs: 50, maxPayloadBytes: 4096, baudRate: 9600 });

describe('AutoScanner', () => {
  it('waits, says so, and picks the scanner up when it is plugged in', async () => {
    const bus = new FakeHidBackend();
    const scanner = new AutoScanner({ hid: bus, listSerial: noSerial, open: open(bus), pollMs: 50 });
    const states: Array<[DeviceState, string | undefined]> = [];
    const scans: RawScan[] = [];
    await scanner.start({ onScan: (s) => scans.push(s), onState: (s, d) => states.push([s, d]) });
    expect(states[0]).toEqual(['waiting', expect.stringContaining('no known scanner')]);
    const device = bus.attach(new FakeHidDevice({ path: '/dev/hidraw4', vendorId: 0x1eab, productId: 0x1310, usagePage: 0x8c, usage: 0x02 }));
    // Polling every 50 ms: the event, however late a busy machine runs the poll.
    await vi.waitFor(() => expect(states.at(-1)?.[0]).toBe('connected'), { timeout: 30_000, interval: 5 });
    expect(states.at(-1)).toEqual(['connected', expect.stringMatching(/Newland 1eab:1310 at \/dev\/hidraw4 in hid-pos mode/)]);
    for (const r of honeywell64(enc('HELLO-KIOSK'))) device.input(r);
    await vi.waitFor(() => expect(scans).toHaveLength(1), { timeout: 30_000, interval: 5 });
    expect(scans.map((s) => new TextDecoder().decode(s.bytes))).toEqual(['HELLO-KIOSK']);
    await scanner.stop();
  });

  it('prefers a mode that carries UTF-8 intact, and warns about keyboard mode', async () => {
    const bus = new FakeHidBackend();
    bus.attach(new FakeHidDevice({ path: '/dev/hidraw1', vendorId: 0x05e0, productId: 0x1200, usagePage: 0x01, usage: 0x06 }));
    const scanner = new AutoScanner({
      hid: bus,
      listSerial: async () => [{ path: '/dev/ttyACM0', vendorId: '1eab', productId: '1306' }],
      open: open(bus),
    });
    await scanner.start({ onScan: () => undefined, onState: () => undefined });
    expect(scanner.chosen).toMatchObject({ path: '/dev/ttyACM0', mode: 'serial' });
    await scanner.stop();

    const onlyKeyboard = new FakeHidBackend();
    onlyKeyboard.attach(new FakeHidDevice({ path: '/dev/hidraw1', vendorId: 0x05e0, productId: 0x1200, usagePage: 0x01, usage: 0x06 }));
    const states: string[] = [];
    const kb = new AutoScanner({ hid: onlyKeyboard, listSerial: noSerial, open: open(onlyKeyboard) });
    await kb.start({ onScan: () => undefined, onState: (_s, d) => states.push(d ?? '') });
    expect(states.at(-1)).toMatch(/keyboard mode \(cannot carry Vietnamese names: switch it to HID POS or serial\)/);
    await kb.stop();
  });
});

describe('discoverDevices', () => {
  it('marks scanners with their mode, relays and lamps, and skips non-USB serial ports', async () => {
    const bus = new FakeHidBackend();
    bus.attach(new FakeHidDevice({ path: '/dev/hidraw0', vendorId: 0x0c2e, productId: 0x0b81, usagePage: 0x8c, usage: 0x02, product: 'Voyager 1400g' }));
    bus.attach(new FakeHidDevice({ path: '/dev/hidraw1', vendorId: 0x16c0, productId: 0x05df, product: 'USBRelay2' }));
    bus.attach(new FakeHidDevice({ path: '/dev/hidraw2', vendorId: 0x046d, productId: 0xc52b, usagePage: 0x01, usage: 0x02 }));
    const { devices } = await discoverDevices({
      hid: bus,
      listSerial: async () => [{ path: '/dev/ttyS0' }, { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523' }],
    });
    expect(devices.map((d) => [d.path, d.role, d.mode])).toEqual([
      ['/dev/hidraw0', 'scanner', 'hid-pos'],
      ['/dev/hidraw1', 'relay', null],
      ['/dev/hidraw2', 'unknown', null],
      ['/dev/ttyUSB0', 'serial-bridge', null],
    ]);
  });

  it('reports a HID stack that cannot load instead of failing', async () => {
    const broken = { devices: async () => Promise.reject(new Error('libusb-1.0.so.0: cannot open')), open: async () => Promise.reject(new Error('x')), reportDescriptor: async () => undefined };
    const { devices, errors } = await discoverDevices({ hid: broken, listSerial: async () => [] });
    expect(devices).toEqual([]);
    expect(errors[0]).toMatch(/libusb/);
  });
});
