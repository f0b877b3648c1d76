/**
 * Wall time can jump (no RTC on a Pi, NTP corrections); monotonic time cannot.
 * Latencies and timeouts use `monoMs`; records carry both.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Monotonic milliseconds since an arbitrary origin in this process (fractional). */
  monoMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monoMs: () => performance.now(),
};

/** A clock tests can move by hand. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;

  constructor(startWallMs = Date.UTC(2021, 8, 1, 8, 0, 0)) {
    this.wall = startWallMs;
  }

  nowMs(): number {
    return this.wall;
  }

  monoMs(): number {
    return this.mono;
  }

  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}
