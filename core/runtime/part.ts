/**
 * A piece of the running kiosk that owns its own work and timers: `start()` begins it, `stop()` ends
 * it (and resolves once it has). `startKiosk` lists its parts and stops them in a stated order.
 */
export interface KioskPart {
  readonly name: string;
  start(): void;
  stop(): void | Promise<void>;
}

/** A part whose work is a timer: stopping it is immediate. */
export interface TimerPart extends KioskPart {
  stop(): void;
}

/**
 * A part that runs `tick` once on start and then every `intervalMs`. The timer is unref'd: upkeep
 * alone never keeps the process alive once everything else has stopped.
 */
export function periodicPart(name: string, intervalMs: number, tick: () => void): TimerPart {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    name,
    start() {
      tick();
      timer ??= setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
