import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';

export interface RelayWrite {
  isOn: boolean;
  /** `performance.now()` when the command was written. */
  atMs: number;
}

export interface RecordedPulse {
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** A relay that records every command with its time; `failNext` injects a write error. */
export class FakeRelay implements Relay {
  readonly id: string;
  readonly writes: RelayWrite[] = [];
  private isOn = false;
  private shouldFail = false;
  private isStarted = false;
  /** Called after each recorded write (the bench measures scan-to-gate here). */
  onWrite: ((write: RelayWrite) => void) | undefined;

  constructor(id = 'fake-gate') {
    this.id = id;
  }

  async start(): Promise<void> {
    this.isStarted = true;
    await this.safe();
  }

  async set(isOn: boolean): Promise<void> {
    if (!this.isStarted) throw new KioskError('relay-disconnected', `${this.id}: set() before start()`);
    if (this.shouldFail) {
      this.shouldFail = false;
      throw new KioskError('relay-write-failed', `${this.id}: injected write failure`);
    }
    this.record(isOn);
  }

  async safe(): Promise<void> {
    this.record(false);
  }

  async stop(): Promise<void> {
    await this.safe();
    this.isStarted = false;
  }

  async readState(): Promise<boolean> {
    return this.isOn;
  }

  get state(): boolean {
    return this.isOn;
  }

  /** Completed on→off pairs, in order. */
  get pulses(): RecordedPulse[] {
    const pulses: RecordedPulse[] = [];
    let onAt: number | undefined;
    for (const w of this.writes) {
      if (w.isOn && onAt === undefined) onAt = w.atMs;
      else if (!w.isOn && onAt !== undefined) {
        pulses.push({ startMs: onAt, endMs: w.atMs, durationMs: w.atMs - onAt });
        onAt = undefined;
      }
    }
    return pulses;
  }

  failNext(): void {
    this.shouldFail = true;
  }

  reset(): void {
    this.writes.length = 0;
  }

  private record(isOn: boolean): void {
    this.isOn = isOn;
    const write = { isOn, atMs: performance.now() };
    this.writes.push(write);
    this.onWrite?.(write);
  }
}
