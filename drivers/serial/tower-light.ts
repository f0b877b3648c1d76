import type { SerialPort } from 'serialport';
import { KioskError } from '../../common/errors.ts';
import type { Indicator, IndicatorPattern } from '../contracts/indicator.ts';
import { soundSteps, StepPlayer } from '../shared/pattern.ts';
import { closeSerialPort, openSerialPort, writeAndDrain } from './port.ts';

/**
 * Adafruit 5125 USB tower light (CH340, 9600): one byte per command (docs/hardware.md §2.3):
 * red on/off/blink 11/21/41, yellow 12/22/42, green 14/24/44, buzzer 18/28/48.
 */
export const TOWER = {
  red: { on: 0x11, off: 0x21, blink: 0x41 },
  amber: { on: 0x12, off: 0x22, blink: 0x42 },
  green: { on: 0x14, off: 0x24, blink: 0x44 },
  buzzer: { on: 0x18, off: 0x28, blink: 0x48 },
} as const;

export class TowerLight implements Indicator {
  readonly id: string;
  private readonly path: string;
  private readonly baudRate: number;
  private port: SerialPort | undefined;
  private offTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly buzzer = new StepPlayer((on) => this.send([on ? TOWER.buzzer.on : TOWER.buzzer.off]), () => undefined);

  constructor(path: string, baudRate = 9600) {
    this.path = path;
    this.baudRate = baudRate;
    this.id = `tower:${path}`;
  }

  async start(): Promise<void> {
    this.port = await openSerialPort(this.path, this.baudRate, 'indicator-failed');
    this.port.on('error', () => undefined);
    await this.allOff();
  }

  async show(pattern: IndicatorPattern): Promise<void> {
    if (this.offTimer !== undefined) clearTimeout(this.offTimer);
    await this.allOff();
    if (pattern.color !== 'off') {
      const lamp = TOWER[pattern.color];
      await this.send([pattern.mode === 'blink' ? lamp.blink : lamp.on]);
      this.offTimer = setTimeout(() => void this.allOff().catch(() => undefined), pattern.durationMs);
    }
    await this.buzzer.play(soundSteps(pattern.sound));
  }

  async stop(): Promise<void> {
    if (this.offTimer !== undefined) clearTimeout(this.offTimer);
    this.buzzer.cancel();
    try {
      if (this.port) await this.allOff();
    } finally {
      if (this.port) await closeSerialPort(this.port);
      this.port = undefined;
    }
  }

  private allOff(): Promise<void> {
    return this.send([TOWER.red.off, TOWER.amber.off, TOWER.green.off, TOWER.buzzer.off]);
  }

  private async send(bytes: number[]): Promise<void> {
    if (!this.port) throw new KioskError('indicator-failed', `${this.id}: not open`);
    await writeAndDrain(this.port, Uint8Array.from(bytes));
  }
}
