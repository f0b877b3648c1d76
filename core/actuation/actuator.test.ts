import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { actuationSchema } from '../../common/config.ts';
import type { KioskEvent } from '../../common/events.ts';
import type { Relay } from '../../drivers/contracts/relay.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { silentLogger } from '../log.ts';
import { Actuator } from './actuator.ts';

describe('Actuator pulse timing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const rig = async (gate: Relay = new FakeRelay()) => {
    const events: KioskEvent[] = [];
    const a = new Actuator({
      gate,
      indicator: new FakeIndicator(),
      settings: { pulseMs: 800, failMode: 'secure', passageWindowMs: 10_000 },
      actuation: actuationSchema.parse({}),
      shouldOpenOnWarn: false,
      emit: (e) => events.push(e),
      log: silentLogger,
    });
    await a.start();
    return { a, events };
  };

  it('closes exactly pulseMs after opening', async () => {
    const gate = new FakeRelay();
    const { a, events } = await rig(gate);
    await a.act('allow', 'e1');
    expect(gate.state).toBe(true);
    await vi.advanceTimersByTimeAsync(799);
    expect(gate.state).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(gate.state).toBe(false);
    expect(events.filter((e) => e.type === 'gate').map((e) => (e as { state: string }).state)).toEqual(['open', 'closed']);
  });

  it('extends an open pulse for a second allow instead of latching or stacking', async () => {
    const gate = new FakeRelay();
    const { a } = await rig(gate);
    await a.act('allow', 'e1');
    await vi.advanceTimersByTimeAsync(500);
    await a.act('allow', 'e2');
    await vi.advanceTimersByTimeAsync(799);
    expect(gate.state).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(gate.state).toBe(false);
  });

  it('keeps the gate shut for deny, and for warn unless the venue opens on warn', async () => {
    const gate = new FakeRelay();
    const { a } = await rig(gate);
    gate.reset();
    await a.act('deny', 'e1');
    await a.act('warn', 'e2');
    expect(gate.writes).toEqual([]);
  });

  it('hands the pulse to hardware that can time it (kernel oneshot)', async () => {
    const pulses: number[] = [];
    const gate = Object.assign(new FakeRelay(), { hardwarePulse: async (ms: number) => void pulses.push(ms) });
    const { a } = await rig(gate);
    await a.act('allow', 'e1');
    expect(pulses).toEqual([800]);
  });
});
