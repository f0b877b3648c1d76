import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeHidBackend, FakeHidDevice } from '../fake/fake-hid.ts';
import { Blink1, BLINK1_PID, BLINK1_VID } from './blink1.ts';

describe('Blink1', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sets colours with byte-exact 'n' feature reports and turns off after the verdict", async () => {
    const bus = new FakeHidBackend();
    const led = bus.attach(new FakeHidDevice({ path: '/dev/hidraw9', vendorId: BLINK1_VID, productId: BLINK1_PID }));
    const b = new Blink1(bus);
    await b.start();
    await b.show({ color: 'red', mode: 'steady', durationMs: 1000, sound: 'deny' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(led.featureReports.map((r) => Buffer.from(r).toString('hex'))).toEqual(['016e000000000000' + '00', '016eff0000000000' + '00', '016e000000000000' + '00']);
  });

  it('refuses to start without a blink(1)', async () => {
    await expect(new Blink1(new FakeHidBackend()).start()).rejects.toMatchObject({ code: 'device-missing' });
  });
});
