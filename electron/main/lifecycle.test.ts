import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRendererRecovery, Heartbeat, startSystemdWatchdog } from './lifecycle.ts';

describe('renderer recovery', () => {
  it('reloads a renderer that died, and exits for systemd after three deaths in a minute', () => {
    let now = 0;
    const exit = vi.fn();
    const recover = createRendererRecovery({ exit, nowMs: () => now });
    const contents = { reload: vi.fn() };
    recover(contents, { reason: 'crashed' });
    now = 30_000;
    recover(contents, { reason: 'oom' });
    expect(contents.reload).toHaveBeenCalledTimes(2);
    expect(exit).not.toHaveBeenCalled();
    now = 59_000;
    recover(contents, { reason: 'crashed' });
    expect(exit).toHaveBeenCalledWith(1);
    expect(contents.reload).toHaveBeenCalledTimes(2);
  });

  it('forgets deaths older than the window', () => {
    let now = 0;
    const exit = vi.fn();
    const recover = createRendererRecovery({ exit, nowMs: () => now });
    const contents = { reload: vi.fn() };
    for (let i = 0; i < 5; i++) {
      recover(contents, { reason: 'crashed' });
      now += 40_000;
    }
    expect(exit).not.toHaveBeenCalled();
    expect(contents.reload).toHaveBeenCalledTimes(5);
  });
});

describe('systemd watchdog', () => {
  afterEach(() => vi.useRealTimers());

  it('pings every half period while healthy, and stops pinging when the renderer or core is not', () => {
    vi.useFakeTimers();
    let healthy = true;
    const notify = vi.fn();
    const stop = startSystemdWatchdog({ usec: 30_000_000, isHealthy: () => healthy, notify });
    vi.advanceTimersByTime(15_000);
    expect(notify).toHaveBeenLastCalledWith('WATCHDOG=1');
    expect(notify).toHaveBeenCalledTimes(1);
    healthy = false;
    vi.advanceTimersByTime(60_000);
    expect(notify).toHaveBeenCalledTimes(1);
    healthy = true;
    vi.advanceTimersByTime(15_000);
    expect(notify).toHaveBeenCalledTimes(2);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(notify).toHaveBeenCalledTimes(2);
  });

  it('does nothing when systemd set no watchdog', () => {
    vi.useFakeTimers();
    const notify = vi.fn();
    startSystemdWatchdog({ usec: 0, isHealthy: () => true, notify });
    vi.advanceTimersByTime(600_000);
    expect(notify).not.toHaveBeenCalled();
  });

  it('a heartbeat goes stale after silence', () => {
    let now = 0;
    const hb = new Heartbeat(() => now);
    now = 500;
    expect(hb.isFresh(1000)).toBe(true);
    now = 1500;
    expect(hb.isFresh(1000)).toBe(false);
    hb.beat();
    expect(hb.isFresh(1000)).toBe(true);
  });
});
