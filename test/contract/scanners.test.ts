import { PassThrough } from 'node:stream';
import { keyboardReports } from '../fixtures/hid/generate.ts';
import { FakeHidBackend, FakeHidDevice } from '../../drivers/fake/fake-hid.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import { HidKeyboardScanner } from '../../drivers/hid/hid-keyboard-scanner.ts';
import { HidPosScanner } from '../../drivers/hid/hid-pos-scanner.ts';
import { SerialScanner } from '../../drivers/serial/serial-scanner.ts';
import { StdinScanner } from '../../drivers/stdio/stdin-scanner.ts';
import { honeywell64 } from '../fixtures/hid/generate.ts';
import { closePort, hasSocat, openPeer, openPtyPair, writeTo } from '../helpers/pty.ts';
import { scannerContract } from './scanner.contract.ts';

const enc = (s: string) => new TextEncoder().encode(s);

scannerContract('FakeScanner', async () => {
  const scanner = new FakeScanner();
  return { scanner, feed: async (p) => void scanner.emit(p) };
});

scannerContract('StdinScanner', async () => {
  const input = new PassThrough();
  return { scanner: new StdinScanner(input), feed: async (p) => void input.write(`${p}\n`), teardown: async () => void input.end() };
});

scannerContract('HidPosScanner on a fake HID bus', async () => {
  const bus = new FakeHidBackend();
  const device = bus.attach(new FakeHidDevice({ path: '/dev/hidraw1', vendorId: 0x0c2e, productId: 0x0b81, usagePage: 0x8c, usage: 0x02 }));
  return {
    scanner: new HidPosScanner({ backend: bus }),
    feed: async (p) => {
      if (device.isGone || !device.isOpen) throw new Error('closed');
      for (const r of honeywell64(enc(p))) device.input(r);
    },
  };
});

scannerContract(
  'HidKeyboardScanner on a fake HID bus',
  async () => {
    const bus = new FakeHidBackend();
    const device = bus.attach(new FakeHidDevice({ path: '/dev/hidraw2', vendorId: 0x05e0, productId: 0x1200, usagePage: 0x01, usage: 0x06 }));
    return {
      scanner: new HidKeyboardScanner({ backend: bus, suffix: enc('\r'), interByteTimeoutMs: 50, maxPayloadBytes: 4096 }),
      feed: async (p) => {
        if (!device.isOpen) throw new Error('closed');
        for (const r of keyboardReports(`${p}\r`, { nonAscii: 'drop' })) device.input(r);
      },
    };
  },
  { settleMs: 200 },
);

if (hasSocat) {
  scannerContract('SerialScanner on a real PTY', async () => {
    const pty = await openPtyPair('contract');
    const peer = await openPeer(pty.peer);
    return {
      scanner: new SerialScanner({ path: pty.device, baudRate: 9600, suffix: enc('\r'), interByteTimeoutMs: 50, prefix: new Uint8Array(0), maxPayloadBytes: 4096 }),
      feed: (p) => writeTo(peer, `${p}\r`),
      teardown: async () => {
        await closePort(peer);
        pty.close();
      },
    };
  });
}

// Real hardware: KIOSK_TEST_SERIAL=/dev/ttyACM0 runs the contract on an attached scanner (scan the
// printed payload when asked). Without it, this suite reports why it does not run.
const hardware = process.env.KIOSK_TEST_SERIAL;
if (hardware) {
  scannerContract(`SerialScanner on ${hardware}`, async () => {
    const scanner = new SerialScanner({ path: hardware, baudRate: 9600, suffix: enc('\r'), interByteTimeoutMs: 50, prefix: new Uint8Array(0), maxPayloadBytes: 4096 });
    return {
      scanner,
      feed: async (p) => {
        process.stderr.write(`scan a QR code containing: ${p}\n`);
        await new Promise((r) => setTimeout(r, 8000));
      },
    };
  }, { settleMs: 500 });
} else {
  const { describe, it } = await import('vitest');
  const reason = 'skipped: no scanner attached (set KIOSK_TEST_SERIAL=/dev/ttyACM0, a scanner in USB serial mode, to run the contract on it)';
  console.log(reason);
  describe('scanner contract on real hardware', () => {
    it.skip(reason, () => undefined);
  });
}
