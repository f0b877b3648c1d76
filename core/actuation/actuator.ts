import { serializeError } from '../../common/errors.ts';
import type { EventSink } from '../../common/events.ts';
import type { Verdict } from '../../common/verdict.ts';
import type { Indicator, IndicatorPattern } from '../../drivers/contracts/indicator.ts';
import type { Relay } from '../../drivers/contracts/relay.ts';
import type { Logger } from '../log.ts';

export interface ActuatorOptions {
  gate: Relay;
  indicator: Indicator;
  pulseMs: number;
  shouldOpenOnWarn: boolean;
  /** How long the light shows a verdict. */
  indicatorMs?: number;
  emit: EventSink;
  log: Logger;
}

const PATTERNS: Record<Verdict, Omit<IndicatorPattern, 'durationMs'>> = {
  allow: { color: 'green', mode: 'steady', sound: 'allow' },
  warn: { color: 'amber', mode: 'blink', sound: 'warn' },
  deny: { color: 'red', mode: 'steady', sound: 'deny' },
};

/**
 * Decision → gate pulse and indicator. The gate is only ever opened for a bounded pulse, never
 * latched: a second "allow" during a pulse extends it. Device failures become error events; the
 * next decision still runs.
 */
export class Actuator {
  private readonly o: ActuatorOptions;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private isOpen = false;

  constructor(options: ActuatorOptions) {
    this.o = options;
  }

  /** Opens the devices; the gate driver drives its safe state before resolving. */
  async start(): Promise<void> {
    await this.o.gate.start();
    await this.o.indicator.start();
  }

  /**
   * Actuates a committed decision. Resolves with `performance.now()` when the gate command (or, when
   * the gate stays shut, the indicator command) was written.
   */
  async act(verdict: Verdict, entryId: string): Promise<number> {
    const { indicator, emit } = this.o;
    const shouldOpen = verdict === 'allow' || (verdict === 'warn' && this.o.shouldOpenOnWarn);
    const shown = indicator
      .show({ ...PATTERNS[verdict], durationMs: this.o.indicatorMs ?? 3000 })
      .catch((err: unknown) => this.report('indicator-failed', err));
    if (!shouldOpen) {
      await shown;
      return performance.now();
    }
    try {
      await this.o.gate.set(true);
      const writtenAt = performance.now();
      if (!this.isOpen) emit({ type: 'gate', state: 'open', entryId, pulseMs: this.o.pulseMs, at: Date.now() });
      this.isOpen = true;
      this.scheduleClose();
      await shown;
      return writtenAt;
    } catch (err) {
      this.report('relay-write-failed', err);
      await shown;
      return performance.now();
    }
  }

  /** Drives the gate shut now (shutdown, supervisor restore). */
  async close(): Promise<void> {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    try {
      await this.o.gate.safe();
    } finally {
      if (this.isOpen) this.o.emit({ type: 'gate', state: 'closed', at: Date.now() });
      this.isOpen = false;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.close();
    } catch (err) {
      this.report('relay-write-failed', err);
    }
    await this.o.gate.stop().catch((err: unknown) => this.report('relay-write-failed', err));
    await this.o.indicator.stop().catch((err: unknown) => this.report('indicator-failed', err));
  }

  private scheduleClose(): void {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      this.close().catch((err: unknown) => this.report('relay-write-failed', err));
    }, this.o.pulseMs);
  }

  private report(code: 'relay-write-failed' | 'indicator-failed', err: unknown): void {
    const e = serializeError(err);
    const finalCode = e.code === 'internal' ? code : e.code;
    this.o.log.error({ code: finalCode }, e.message);
    this.o.emit({ type: 'error', code: finalCode, message: e.message });
  }
}
