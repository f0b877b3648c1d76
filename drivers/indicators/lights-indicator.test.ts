import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRelay } from '../fake/fake-relay.ts';
import { LightsIndicator } from './lights-indicator.ts';

describe('LightsIndicator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const rig = async (withAmber = true) => {
    const lamps = { green: new FakeRelay('g'), red: new FakeRelay('r'), ...(withAmber ? { amber: new FakeRelay('a') } : {}), buzzer: new FakeRelay('b') };
    const ind = new LightsIndicator(lamps);
    await ind.start();
    for (const l of Object.values(lamps)) l.reset();
    return { ind, ...lamps };
  };
  const timeline = (r: FakeRelay) => r.writes.map((w) => (w.isOn ? 1 : 0));

  it('shows green steady for the duration with a short chirp', async () => {
    const { ind, green, buzzer } = await rig();
    await ind.show({ color: 'green', mode: 'steady', durationMs: 3000, sound: 'allow' });
    expect(green.state).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(timeline(buzzer)).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(green.state).toBe(false);
  });

  it('gives each verdict a distinct sound', async () => {
    const sounds: number[][] = [];
    for (const sound of ['allow', 'warn', 'deny'] as const) {
      const { ind, buzzer } = await rig();
      await ind.show({ color: 'off', mode: 'steady', durationMs: 1000, sound });
      const start = buzzer.writes[0]!.atMs;
      await vi.advanceTimersByTimeAsync(1000);
      sounds.push(buzzer.writes.map((w) => Math.round(w.atMs - start)));
    }
    expect(sounds).toEqual([
      [0, 80],
      [0, 80, 180, 260],
      [0, 600],
    ]);
  });

  it('blinks amber, and shows it as green + red where no amber lamp is fitted', async () => {
    const { ind, amber } = await rig();
    await ind.show({ color: 'amber', mode: 'blink', durationMs: 1000, sound: 'none' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(timeline(amber!)).toEqual([1, 0, 1, 0, 0]);
    const two = await rig(false);
    await two.ind.show({ color: 'amber', mode: 'steady', durationMs: 500, sound: 'none' });
    expect([two.green.state, two.red.state]).toEqual([true, true]);
  });

  it('turns the previous colour off at once when a new verdict comes', async () => {
    const { ind, green, red } = await rig();
    await ind.show({ color: 'green', mode: 'steady', durationMs: 3000, sound: 'none' });
    await ind.show({ color: 'red', mode: 'steady', durationMs: 3000, sound: 'none' });
    expect([green.state, red.state]).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(3000);
    // The cancelled green pattern does not switch anything later.
    expect(timeline(green)).toEqual([1, 0]);
  });
});
