import type { KioskEvent } from '../../common/events.ts';
import type { KioskStatus, SubmittedScan } from '../../common/ipc/contract.ts';
import { fromCoreSchema, type ToCore } from '../../common/ipc/core-protocol.ts';
import type { Logger } from '../log.ts';

/** A running core process as the supervisor sees it: Electron utilityProcess or Node child_process. */
export interface CoreProcessHandle {
  send(message: ToCore): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** SIGKILL: used when the core stops answering; SIGTERM-style shutdown goes through `send`. */
  kill(): void;
  readonly pid: number | undefined;
}

export interface SupervisorOptions {
  spawn(): CoreProcessHandle;
  /**
   * Drives every output to its safe state from this process (the core that held the devices is
   * dead, so their handles are free again). Must not throw for a missing device; it reports instead.
   */
  restoreSafeState(): Promise<void>;
  onEvent(event: KioskEvent): void;
  log: Logger;
  /** No sign of life for this long and the core is killed and restarted (default 2000 ms). */
  watchdogMs?: number;
  /**
   * Silence allowed before the core's first message (default 30 s): loading modules and opening the
   * database on a busy Pi can take seconds, and a core that has not spoken yet holds no open gate.
   */
  startupMs?: number;
  restartMinMs?: number;
  restartMaxMs?: number;
}

/** Exit code a core uses for a configuration it cannot run with: restarting would loop. */
export const EXIT_CONFIG = 78;

/**
 * Keeps the core alive and the gate safe: when the core dies or hangs, the outputs are driven
 * safe first, then the core is restarted with backoff. The supervisor never opens devices while a
 * core is running.
 */
export class Supervisor {
  private readonly o: SupervisorOptions;
  private child: CoreProcessHandle | undefined;
  private lastAliveMs = 0;
  private hasChildSpoken = false;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private isStopping = false;
  private failures = 0;
  private hasBeenReady = false;
  private nextRequestId = 1;
  private readonly pending = new Map<number, (status: KioskStatus) => void>();
  private exitWaiters: Array<() => void> = [];
  /** Resolves with the exit code once the supervisor has given up or been stopped. */
  readonly done: Promise<number>;
  private resolveDone: (code: number) => void = () => undefined;

  constructor(options: SupervisorOptions) {
    this.o = options;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  start(): void {
    this.spawn();
    const watchdogMs = this.o.watchdogMs ?? 2000;
    const startupMs = Math.max(watchdogMs, this.o.startupMs ?? 30_000);
    this.watchdog = setInterval(() => {
      const limitMs = this.hasChildSpoken ? watchdogMs : startupMs;
      if (this.child && performance.now() - this.lastAliveMs > limitMs) {
        this.o.log.error({ pid: this.child.pid }, this.hasChildSpoken ? `core silent for ${watchdogMs} ms: killing it` : `core did not start within ${startupMs} ms: killing it`);
        this.child.kill();
      }
    }, Math.max(50, Math.floor(watchdogMs / 4)));
  }

  get isCoreRunning(): boolean {
    return this.child !== undefined;
  }

  get corePid(): number | undefined {
    return this.child?.pid;
  }

  submitScan(scan: SubmittedScan): boolean {
    if (!this.child) return false;
    this.child.send({ type: 'scan', scan });
    return true;
  }

  /** Asks the core to click the gate (technician self-test); false when no core runs. */
  gateTest(): boolean {
    if (!this.child) return false;
    this.child.send({ type: 'selfTest', what: 'gate' });
    return true;
  }

  /** Asks the core for a status snapshot; undefined if it does not answer in time. */
  status(timeoutMs = 1000): Promise<KioskStatus | undefined> {
    const child = this.child;
    if (!child) return Promise.resolve(undefined);
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(requestId, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
      child.send({ type: 'status', requestId });
    });
  }

  /** Graceful stop: asks the core to shut down (it drives outputs safe), kills it after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.isStopping = true;
    this.stopWatchdog();
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
      child.send({ type: 'shutdown' });
      const timer = setTimeout(() => child.kill(), graceMs);
      await exited;
      clearTimeout(timer);
    }
    this.resolveDone(0);
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private spawn(): void {
    const child = this.o.spawn();
    this.child = child;
    this.lastAliveMs = performance.now();
    this.hasChildSpoken = false;
    child.onMessage((raw) => {
      const parsed = fromCoreSchema.safeParse(raw);
      if (!parsed.success) return;
      const msg = parsed.data;
      this.lastAliveMs = performance.now();
      if (this.child === child) this.hasChildSpoken = true;
      if (msg.type === 'event') {
        if (msg.event.type === 'ready') {
          this.failures = 0;
          this.hasBeenReady = true;
        }
        this.o.onEvent(msg.event);
      } else if (msg.type === 'status') {
        this.pending.get(msg.requestId)?.(msg.status);
        this.pending.delete(msg.requestId);
      }
    });
    child.onExit((code, signal) => void this.onExit(child, code, signal));
  }

  private async onExit(child: CoreProcessHandle, code: number | null, signal: string | null): Promise<void> {
    if (this.child !== child) return;
    this.child = undefined;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    // Exit 0 without being asked means the core finished its work (its input ended).
    const isClean = code === 0;
    if (!isClean) {
      // The core died holding the gate: make the outputs safe before anything else.
      try {
        await this.o.restoreSafeState();
        this.o.onEvent({ type: 'gate', state: 'closed', at: Date.now() });
      } catch (err) {
        this.o.log.error({ err }, 'could not drive the outputs safe after the core died');
      }
      this.o.onEvent({ type: 'error', code: 'internal', message: `core process ended (code ${code ?? 'none'}, signal ${signal ?? 'none'}); outputs driven safe` });
    }
    for (const w of waiters) w();
    if (this.isStopping) return;
    if (isClean) {
      this.stopWatchdog();
      this.resolveDone(0);
      return;
    }
    if (code === EXIT_CONFIG || !this.hasBeenReady) {
      // A core that never started will not start by retrying: report and let systemd decide.
      this.o.log.error('core could not start: not restarting (fix the configuration or device, then restart)');
      this.stopWatchdog();
      this.resolveDone(code === EXIT_CONFIG ? 2 : 1);
      return;
    }
    this.failures++;
    const delay = Math.min(this.o.restartMaxMs ?? 30_000, (this.o.restartMinMs ?? 250) * 2 ** Math.min(this.failures - 1, 10));
    this.o.log.warn({ delay }, 'restarting the core');
    setTimeout(() => {
      if (!this.isStopping) this.spawn();
    }, delay);
  }
}

/**
 * V8 limits for the core process (Electron utility process and `kiosk run`'s child). Measured in
 * `npm run bench` (upload suite): with Node's defaults the young generation and a lazily collected
 * old generation let a 200,000-entry catch-up peak at 152 MiB (bundled core); with these, 112 MiB,
 * at the same throughput. The kiosk's working set (status cache, one upload batch) is far below.
 */
export const CORE_V8_FLAGS = ['--max-old-space-size=96', '--max-semi-space-size=4'] as const;
