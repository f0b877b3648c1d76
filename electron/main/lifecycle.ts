/**
 * Recovery rules of the Electron shell, free of Electron so they are tested under Node:
 * a renderer that dies is reloaded, three deaths in a minute end the app (systemd restarts it);
 * the systemd watchdog is pinged only while the renderer heartbeats and the core runs.
 */
export interface RendererRecoveryOptions {
  exit(code: number): void;
  nowMs?: () => number;
  onGone?: (reason: string, failuresInWindow: number) => void;
  maxFailures?: number;
  windowMs?: number;
}

export function createRendererRecovery(o: RendererRecoveryOptions): (contents: { reload(): void }, details: { reason: string }) => void {
  let failures: number[] = [];
  const now = o.nowMs ?? Date.now;
  const max = o.maxFailures ?? 3;
  const windowMs = o.windowMs ?? 60_000;
  return (contents, details) => {
    const t = now();
    failures = [...failures.filter((f) => t - f < windowMs), t];
    o.onGone?.(details.reason, failures.length);
    // Looping reloads would hide a persistent fault: after `max` in a window, let systemd restart us.
    if (failures.length >= max) o.exit(1);
    else contents.reload();
  };
}

export interface WatchdogOptions {
  /** WATCHDOG_USEC from systemd; 0 or absent: no watchdog configured. */
  usec: number;
  /** Both the renderer (heartbeat) and the core are alive. */
  isHealthy(): boolean;
  notify(state: string): void;
}

/** Pings `WATCHDOG=1` every half period while healthy; returns the stop function. */
export function startSystemdWatchdog(o: WatchdogOptions): () => void {
  if (!o.usec) return () => undefined;
  const timer = setInterval(() => {
    if (o.isHealthy()) o.notify('WATCHDOG=1');
  }, Math.max(1000, o.usec / 2000));
  timer.unref();
  return () => clearInterval(timer);
}

/** Renderer liveness: heartbeats arrive each second; silence longer than `staleMs` is unhealthy. */
export class Heartbeat {
  private last: number;
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.last = now();
  }

  beat(): void {
    this.last = this.now();
  }

  isFresh(staleMs: number): boolean {
    return this.now() - this.last < staleMs;
  }
}
