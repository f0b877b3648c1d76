import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';
import { findPiChip, type GpioBackend, type GpioOutputLine } from './gpio-backend.ts';

export interface GpioRelayOptions {
  backend: GpioBackend;
  /** Chip label (`pinctrl-rp1`…); by default the Pi's header chip, whichever model this is. */
  chipLabel?: string;
  line: number;
  /** The relay driver board switches on a low level (common opto-isolated boards). */
  isActiveLow: boolean;
  field: string;
}

/** A relay or LED on a GPIO line; the active-low inversion stays in here (style.md §5). */
export class GpioRelay implements Relay {
  readonly id: string;
  private readonly o: GpioRelayOptions;
  private line: GpioOutputLine | undefined;

  constructor(options: GpioRelayOptions) {
    this.o = options;
    this.id = `gpio:${options.chipLabel ?? 'pi'}:${options.line}`;
  }

  async start(): Promise<void> {
    let chip: string;
    try {
      chip = await findPiChip(this.o.backend, this.o.chipLabel);
    } catch (err) {
      throw new KioskError('relay-open-failed', `${this.o.field}.chip: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { field: `${this.o.field}.chip` } });
    }
    // Requested directly at the safe (inactive) level: no glitch on the relay at start.
    this.line = await this.o.backend.requestOutput(chip, this.o.line, this.o.isActiveLow);
  }

  async set(isOn: boolean): Promise<void> {
    if (!this.line) throw new KioskError('relay-disconnected', `${this.id}: not started`);
    await this.line.set(isOn !== this.o.isActiveLow);
  }

  async safe(): Promise<void> {
    await this.set(false);
  }

  async stop(): Promise<void> {
    try {
      if (this.line) await this.safe();
    } finally {
      await this.line?.release();
      this.line = undefined;
    }
  }
}
