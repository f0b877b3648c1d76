import type { ActuationConfig } from '../../common/config.ts';
import { serializeError, type ErrorCode } from '../../common/errors.ts';
import type { EventSink } from '../../common/events.ts';
import type { Verdict } from '../../common/verdict.ts';
import type { Indicator } from '../../drivers/contracts/indicator.ts';
import type { Relay } from '../../drivers/contracts/relay.ts';
import type { Sensor } from '../../drivers/contracts/sensor.ts';
import type { Logger } from '../log.ts';

export interface GateSettings {
  pulseMs: number;
  /** `secure`: energise to open. `safe`: held energised (locked) while running, released to open. */
  failMode: 'secure' | 'safe';
  passageWindowMs: number;
}

export interface ActuatorOptions {
  gate: Relay;
  indicator: Indicator;
  sensor?: Sensor;
  settings: GateSettings;
  actuation: ActuationConfig;
  shouldOpenOnWarn: boolean;
  emit: EventSink;
  log: Logger;
  /** Closed loop: the person let in by entry `seq` passed, or did not within the window. */
  onPassage?: (seq: number, entryId: string, isPassed: boolean) => void;
}

/**
 * Decision → gate and lights. Domain meaning lives here, not in the drivers (style.md §5): which
 * verdict opens, for how long, which lamp and sound, and what "safe" means for this door.
 * The gate is only ever opened for a bounded pulse, never latched: a second "allow" during a pulse
 * extends it. Pulses are timed by the kernel where the driver can (LED oneshot), else by a timer
 * backed by the supervisor's watchdog. Device failures become events; the next decision still runs.
 */
export class Actuator {
  private readonly o: ActuatorOptions;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private isOpen = false;
  private gateState: 'connected' | 'disconnected' = 'connected';
  private pendingPassage: { seq: number; entryId: string; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(options: ActuatorOptions) {
    this.o = options;
  }

  /** Opens the devices (each drives its safe state first), then the idle state; starts the sensor. */
  async start(): Promise<void> {
    await this.o.gate.start();
    if (this.o.settings.failMode === 'safe') await this.o.gate.set(true);
    await this.o.indicator.start();
    await this.o.sensor?.start(() => this.onSensor());
  }

  /**
   * Actuates a committed decision. Resolves with `performance.now()` when the gate command (or, when
   * the gate stays shut, the indicator command) was written.
   */
  async act(verdict: Verdict, entryId: string, seq?: number): Promise<number> {
    const { indicator, emit, actuation } = this.o;
    const a = actuation[verdict];
    const shouldOpen = verdict === 'allow' || (verdict === 'warn' && this.o.shouldOpenOnWarn);
    const shown = indicator
      .show({ color: a.light, mode: a.pattern, sound: a.sound, durationMs: a.showMs })
      .catch((err: unknown) => this.report('indicator-failed', err));
    if (!shouldOpen) {
      await shown;
      return performance.now();
    }
    const pulseMs = a.pulseMs ?? this.o.settings.pulseMs;
    try {
      await this.open(pulseMs);
      const writtenAt = performance.now();
      this.setGateState('connected');
      if (!this.isOpen) emit({ type: 'gate', state: 'open', entryId, pulseMs, at: Date.now() });
      this.isOpen = true;
      this.scheduleClose(pulseMs);
      if (seq !== undefined) this.awaitPassage(seq, entryId);
      await shown;
      return writtenAt;
    } catch (err) {
      this.report('relay-write-failed', err);
      await shown;
      return performance.now();
    }
  }

  /** Drives the gate to its idle (closed) state now, e.g. after a pulse. */
  async close(): Promise<void> {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    try {
      await this.o.gate.set(this.o.settings.failMode === 'safe');
    } finally {
      if (this.isOpen) this.o.emit({ type: 'gate', state: 'closed', at: Date.now() });
      this.isOpen = false;
    }
  }

  async stop(): Promise<void> {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    if (this.pendingPassage) clearTimeout(this.pendingPassage.timer);
    await this.o.sensor?.stop().catch((err: unknown) => this.report('device-missing', err));
    // Driver stop drives the safe (de-energised) state: closed for fail-secure, open for fail-safe.
    await this.o.gate.stop().catch((err: unknown) => this.report('relay-write-failed', err));
    if (this.isOpen) this.o.emit({ type: 'gate', state: 'closed', at: Date.now() });
    this.isOpen = false;
    await this.o.indicator.stop().catch((err: unknown) => this.report('indicator-failed', err));
  }

  private async open(pulseMs: number): Promise<void> {
    const { gate, settings } = this.o;
    if (settings.failMode === 'safe') {
      await gate.set(false);
      return;
    }
    // A kernel-timed pulse ends even if this process dies; extending one means re-arming it.
    if (gate.hardwarePulse) await gate.hardwarePulse(pulseMs);
    else await gate.set(true);
  }

  private scheduleClose(pulseMs: number): void {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      this.close().catch((err: unknown) => this.report('relay-write-failed', err));
    }, pulseMs);
  }

  private awaitPassage(seq: number, entryId: string): void {
    if (!this.o.sensor || !this.o.onPassage) return;
    // A newer opening supersedes an older one still waiting: that one did not pass alone.
    if (this.pendingPassage) this.settlePassage(false);
    const timer = setTimeout(() => this.settlePassage(false), this.o.settings.passageWindowMs);
    this.pendingPassage = { seq, entryId, timer };
  }

  private onSensor(): void {
    if (this.pendingPassage) this.settlePassage(true);
  }

  private settlePassage(isPassed: boolean): void {
    const p = this.pendingPassage;
    if (!p) return;
    clearTimeout(p.timer);
    this.pendingPassage = undefined;
    this.o.onPassage?.(p.seq, p.entryId, isPassed);
  }

  private setGateState(state: 'connected' | 'disconnected', detail?: string): void {
    if (state === this.gateState) return;
    this.gateState = state;
    this.o.emit({ type: 'device', device: 'gate', id: this.o.gate.id, state, ...(detail ? { detail } : {}) });
  }

  private report(code: ErrorCode, err: unknown): void {
    const e = serializeError(err);
    const finalCode = e.code === 'internal' ? code : e.code;
    if (finalCode === 'relay-disconnected' || finalCode === 'relay-write-failed') this.setGateState('disconnected', e.message);
    this.o.log.error({ code: finalCode }, e.message);
    this.o.emit({ type: 'error', code: finalCode, message: e.message });
  }
}
