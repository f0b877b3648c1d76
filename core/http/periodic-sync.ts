import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../log.ts';

/**
 * A list kept current from the server on a timer (risk list, trust list): one run at a time,
 * cancellable on stop (a stalled server must not hold up shutdown), failures logged at most once a
 * minute while the previous copy stays in use.
 */
export class PeriodicSync {
  private readonly what: string;
  private readonly intervalMs: number;
  private readonly run: (signal: AbortSignal) => Promise<void>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<boolean> | undefined;
  private abort: AbortController | undefined;
  private lastFailureLogMs = -Infinity;

  constructor(options: { what: string; intervalMs: number; clock: Clock; log: Logger; run: (signal: AbortSignal) => Promise<void> }) {
    this.what = options.what;
    this.intervalMs = options.intervalMs;
    this.run = options.run;
    this.clock = options.clock;
    this.log = options.log;
  }

  start(): void {
    void this.syncNow();
    this.timer = setInterval(() => void this.syncNow(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.running;
  }

  /** One run; resolves true when it succeeded. Concurrent calls share one run. */
  syncNow(): Promise<boolean> {
    this.running ??= this.once().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async once(): Promise<boolean> {
    this.abort = new AbortController();
    try {
      await this.run(this.abort.signal);
      return true;
    } catch (err) {
      const now = this.clock.monoMs();
      if (now - this.lastFailureLogMs >= 60_000) {
        this.lastFailureLogMs = now;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, `${this.what} sync failed; keeping the previous list`);
      }
      return false;
    }
  }
}
