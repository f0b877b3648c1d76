import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { silentLogger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import { periodicPart } from './part.ts';
import { createSpaceWatch } from './store-upkeep.ts';
import { createTimeAnchors } from './time-anchors.ts';

const clock = { nowMs: () => Date.now(), monoMs: () => performance.now() };

describe('startKiosk parts own their timers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a periodic part ticks on start and every interval, and never after stop', async () => {
    const tick = vi.fn();
    const part = periodicPart('test', 1000, tick);
    part.start();
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2500);
    expect(tick).toHaveBeenCalledTimes(3);
    part.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(3);
  });

  it('time anchors: NTP once, polled every 10 s until synchronised; the server only without NTP and at most every 10 min', async () => {
    const outbox = Outbox.open({ path: ':memory:', bootId: 'boot-a', nowMs: () => Date.now() });
    const set = vi.spyOn(outbox, 'setTimeAnchor');
    let isSynced = false;
    const anchors = createTimeAnchors({ outbox, clock, bootMonoMs: () => 500, isClockSynced: () => isSynced });
    anchors.start();
    anchors.onServerTime(1_000_000, 100);
    anchors.onServerTime(1_000_000, 100 + 10 * 60_000 - 1);
    anchors.onServerTime(2_000_000, 100 + 10 * 60_000);
    expect(set.mock.calls.map((c) => c[2])).toEqual(['server', 'server']);
    isSynced = true;
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(30_000);
    anchors.onServerTime(3_000_000, 100 + 30 * 60_000);
    expect(set.mock.calls.map((c) => c[2])).toEqual(['server', 'server', 'ntp']);
    anchors.stop();
    outbox.close();
  });

  it('the space watch reports a change of state only', async () => {
    const events: KioskEvent[] = [];
    // Any real directory: a limit above every disk is low, and stays low.
    const part = createSpaceWatch({ dir: '.', lowSpaceMiB: Number.MAX_SAFE_INTEGER, emit: (e) => events.push(e), log: silentLogger });
    part.start();
    await vi.advanceTimersByTimeAsync(180_000);
    part.stop();
    expect(events).toEqual([expect.objectContaining({ type: 'storage', state: 'low' })]);
  });
});
