import { describe, expect, it } from 'vitest';
import { FakeHidBackend, fakeDcttechRelay } from '../fake/fake-hid.ts';
import { dcttechCommand, HidRelay } from './hid-relay.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('HidRelay (dcttech USBRelayN over node-hid feature reports)', () => {
  it('drives the safe state at start and switches with byte-exact feature reports, reading back each time', async () => {
    const bus = new FakeHidBackend();
    const board = bus.attach(fakeDcttechRelay('/dev/hidraw3', 2));
    const relay = new HidRelay({ backend: bus, channel: 2, field: 'gate' });
    await relay.start();
    await relay.set(true);
    expect(board.state()).toBe(0b10);
    await relay.set(false);
    expect(board.featureReports.map(hex)).toEqual(['00fd02000000000000', '00ff02000000000000', '00fd02000000000000']);
    expect(await relay.readState()).toBe(false);
    await relay.stop();
    expect(board.isOpen).toBe(false);
  });

  it('encodes on and off for every channel', () => {
    expect(hex(dcttechCommand(1, true))).toBe('00ff01000000000000');
    expect(hex(dcttechCommand(8, false))).toBe('00fd08000000000000');
  });

  it('picks the board by its id', async () => {
    const bus = new FakeHidBackend();
    bus.attach(fakeDcttechRelay('/dev/hidraw1', 1, 'AAAAA'));
    const wanted = bus.attach(fakeDcttechRelay('/dev/hidraw2', 1, 'GATE1'));
    const relay = new HidRelay({ backend: bus, channel: 1, boardId: 'GATE1', field: 'gate' });
    await relay.start();
    await relay.set(true);
    expect(wanted.state()).toBe(1);
  });

  it('refuses a channel the board does not have, naming the field', async () => {
    const bus = new FakeHidBackend();
    bus.attach(fakeDcttechRelay('/dev/hidraw3', 1));
    await expect(new HidRelay({ backend: bus, channel: 2, field: 'gate' }).start()).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringContaining('gate.channel') });
  });

  it('refuses to start without a board, naming the field', async () => {
    await expect(new HidRelay({ backend: new FakeHidBackend(), channel: 1, field: 'indicator.red' }).start()).rejects.toMatchObject({
      code: 'relay-open-failed',
      message: expect.stringContaining('indicator.red'),
    });
  });

  it('reports an unplugged board as disconnected', async () => {
    const bus = new FakeHidBackend();
    bus.attach(fakeDcttechRelay('/dev/hidraw3', 1));
    const relay = new HidRelay({ backend: bus, channel: 1, field: 'gate' });
    await relay.start();
    bus.detach('/dev/hidraw3');
    await expect(relay.set(true)).rejects.toMatchObject({ code: 'relay-disconnected' });
  });

  it('notices a board that does not switch (read-back mismatch)', async () => {
    const bus = new FakeHidBackend();
    const board = bus.attach(fakeDcttechRelay('/dev/hidraw3', 1));
    const relay = new HidRelay({ backend: bus, channel: 1, field: 'gate' });
    await relay.start();
    board.onFeature = () => undefined;
    await expect(relay.set(true)).rejects.toMatchObject({ code: 'relay-write-failed' });
  });
});
