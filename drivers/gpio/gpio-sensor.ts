import type { Sensor } from '../contracts/sensor.ts';
import { findPiChip, type GpioBackend, type GpioInputWatch } from './gpio-backend.ts';

/** A passage sensor on a GPIO input: a rising edge (falling when active-low) is one passage. */
export class GpioSensor implements Sensor {
  readonly id: string;
  private readonly o: { backend: GpioBackend; chipLabel?: string; line: number; isActiveLow: boolean };
  private watch: GpioInputWatch | undefined;

  constructor(options: { backend: GpioBackend; chipLabel?: string; line: number; isActiveLow: boolean }) {
    this.o = options;
    this.id = `gpio-sensor:${options.chipLabel ?? 'pi'}:${options.line}`;
  }

  async start(onPassage: () => void): Promise<void> {
    const chip = await findPiChip(this.o.backend, this.o.chipLabel);
    this.watch = await this.o.backend.watchInput(chip, this.o.line, (isRising) => {
      if (isRising !== this.o.isActiveLow) onPassage();
    });
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    this.watch = undefined;
  }
}
