import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../log.ts';

export interface PeriodicSyncOptions {
  intervalMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * A list kept current from the server on a timer (risk list, trust list): one run at a time,
 * cancellable on stop (a stalled server must not hold up shutdown), failures logged at most once a
 * minute while the previous copy stays in use. Subclasses implement one run.
 */
export abstract class PeriodicSync {
  private readonly base: PeriodicSyncOptions & { what: string };
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<boolean> | undefined;
  private abort: AbortController | undefined;
  private lastFailureLogMs = -Infinity;

  protected constructor(what: string, options: PeriodicSyncOptions) {
    this.base = { ...options, what };
  }

  /** One run: throws to report a failure; the previous list stays in place. */
  protected abstract sync(signal: AbortSignal): Promise<void>;

  start(): void {
    void this.syncNow();
    this.timer = setInterval(() => void this.syncNow(), this.base.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer, cancels a run under way and waits for it. */
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
      await this.sync(this.abort.signal);
      return true;
    } catch (err) {
      const now = this.base.clock.monoMs();
      if (now - this.lastFailureLogMs >= 60_000) {
        this.lastFailureLogMs = now;
        this.base.log.warn({ err: err instanceof Error ? err.message : String(err) }, `${this.base.what} sync failed; keeping the previous list`);
      }
      return false;
    }
  }
}
