import { describe, expect, it } from 'vitest';
import { FakeGpioBackend } from '../fake/fake-gpio.ts';
import { GpioRelay } from './gpio-relay.ts';
import { GpioSensor } from './gpio-sensor.ts';

describe('GpioRelay (character device through libgpiod)', () => {
  it('requests the line at its inactive level and switches it', async () => {
    const chip = new FakeGpioBackend();
    const relay = new GpioRelay({ backend: chip, line: 17, isActiveLow: false, field: 'gate' });
    await relay.start();
    await relay.set(true);
    await relay.stop();
    expect(chip.history.get('gpiochip0:17')).toEqual([false, true, false]);
    expect(chip.held.has('gpiochip0:17')).toBe(false);
  });

  it('inverts an active-low relay board inside the adapter', async () => {
    const chip = new FakeGpioBackend();
    const relay = new GpioRelay({ backend: chip, line: 27, isActiveLow: true, field: 'indicator.red' });
    await relay.start();
    expect(chip.level('gpiochip0', 27)).toBe(true);
    await relay.set(true);
    expect(chip.level('gpiochip0', 27)).toBe(false);
  });

  it('finds the header chip by label on a Pi 5 (pinctrl-rp1) as on a Pi 4', async () => {
    const pi5 = new FakeGpioBackend();
    pi5.chips.clear();
    pi5.chips.set('pinctrl-rp1', 'gpiochip0').set('gpio-brcmstb@107d508500', 'gpiochip10');
    const relay = new GpioRelay({ backend: pi5, line: 17, isActiveLow: false, field: 'gate' });
    await relay.start();
    await relay.set(true);
    expect(pi5.level('gpiochip0', 17)).toBe(true);
  });

  it('refuses to start without a GPIO chip, naming the field', async () => {
    const none = new FakeGpioBackend();
    none.chips.clear();
    await expect(new GpioRelay({ backend: none, line: 17, isActiveLow: false, field: 'gate' }).start()).rejects.toMatchObject({
      code: 'relay-open-failed',
      message: expect.stringContaining('gate.chip'),
    });
  });

  it('refuses a line already held by another output', async () => {
    const chip = new FakeGpioBackend();
    await new GpioRelay({ backend: chip, line: 5, isActiveLow: false, field: 'gate' }).start();
    await expect(new GpioRelay({ backend: chip, line: 5, isActiveLow: false, field: 'indicator.green' }).start()).rejects.toThrow(/busy/);
  });
});

describe('GpioSensor', () => {
  it('reports a passage on the active edge only', async () => {
    const chip = new FakeGpioBackend();
    const sensor = new GpioSensor({ backend: chip, line: 22, isActiveLow: true });
    let passages = 0;
    await sensor.start(() => passages++);
    chip.edge('gpiochip0', 22, true);
    chip.edge('gpiochip0', 22, false);
    expect(passages).toBe(1);
    await sensor.stop();
    chip.edge('gpiochip0', 22, false);
    expect(passages).toBe(1);
  });
});
