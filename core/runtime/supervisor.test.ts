import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { silentLogger } from '../log.ts';
import { Supervisor, type CoreProcessHandle } from './supervisor.ts';

/** A core process that speaks only when the test says so. */
function fakeCore() {
  let onMessage: (m: unknown) => void = () => undefined;
  let onExit: (code: number | null, signal: string | null) => void = () => undefined;
  const core = {
    kills: 0,
    handle: {
      pid: 4242,
      send: (m) => {
        if (m.type === 'shutdown') onExit(0, null);
      },
      onMessage: (l) => {
        onMessage = l;
      },
      onExit: (l) => {
        onExit = l;
      },
      kill: () => {
        core.kills++;
        onExit(null, 'SIGKILL');
      },
    } satisfies CoreProcessHandle,
    alive: () => onMessage({ type: 'alive', at: Date.now() }),
    /** kill -9 from outside: the process is gone without a word. */
    die: () => onExit(null, 'SIGKILL'),
    ready: () => onMessage({ type: 'event', event: { type: 'ready', scanner: 'fake', gate: 'fake' } }),
  };
  return core;
}

describe('Supervisor watchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function supervise(core: ReturnType<typeof fakeCore>) {
    const events: KioskEvent[] = [];
    const safe = { count: 0 };
    const supervisor = new Supervisor({
      spawn: () => core.handle,
      restoreSafeState: async () => {
        safe.count++;
      },
      onEvent: (e) => events.push(e),
      log: silentLogger,
      watchdogMs: 2000,
      startupMs: 30_000,
    });
    supervisor.start();
    return { supervisor, events, safe };
  }

  it('gives a slow-starting core its start-up time instead of killing it at the 2 s watchdog', async () => {
    const core = fakeCore();
    const { supervisor } = supervise(core);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(core.kills).toBe(0);
    core.ready();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(500);
      core.alive();
    }
    expect(core.kills).toBe(0);
    await supervisor.stop(0);
  });

  it('kills a core that never speaks once the start-up time is over, and drives the outputs safe', async () => {
    const core = fakeCore();
    const { supervisor, safe } = supervise(core);
    await vi.advanceTimersByTimeAsync(30_600);
    expect(core.kills).toBe(1);
    expect(safe.count).toBe(1);
    await expect(supervisor.done).resolves.toBe(1);
  });

  it('kills a running core that falls silent for the watchdog interval', async () => {
    const core = fakeCore();
    const { supervisor, safe, events } = supervise(core);
    core.ready();
    await vi.advanceTimersByTimeAsync(1500);
    expect(core.kills).toBe(0);
    await vi.advanceTimersByTimeAsync(1100);
    expect(core.kills).toBe(1);
    expect(safe.count).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'gate', state: 'closed' }));
    await supervisor.stop(0);
  });

  it('drives the outputs safe as soon as a running core dies, before any timer runs', async () => {
    const core = fakeCore();
    const { supervisor, safe, events } = supervise(core);
    core.ready();
    core.die();
    // No time passes: the exit itself drives the gate safe (the PTY test shows it on a real relay).
    await vi.advanceTimersByTimeAsync(0);
    expect(safe.count).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'gate', state: 'closed' }));
    await supervisor.stop(0);
  });
});
