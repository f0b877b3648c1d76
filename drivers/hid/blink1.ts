import { KioskError } from '../../common/errors.ts';
import type { Indicator, IndicatorColor, IndicatorPattern } from '../contracts/indicator.ts';
import { lightSteps, StepPlayer } from '../shared/pattern.ts';
import type { HidBackend, HidHandle } from './hid-backend.ts';
import { BLINK1_PID, BLINK1_VID } from '../shared/usb-ids.ts';

/**
 * blink(1) USB LED (27b8:01ed): feature report id 1, 8 bytes `01 cmd a0..a5` (docs/hardware.md §2.4);
 * 'n' sets a colour now. Its 'D' servertickle is a hardware watchdog lamp: not used here because the
 * supervisor already owns that job.
 */
export { BLINK1_PID, BLINK1_VID };

const RGB: Record<IndicatorColor, [number, number, number]> = {
  green: [0, 255, 0],
  red: [255, 0, 0],
  amber: [255, 150, 0],
  off: [0, 0, 0],
};

export function blink1SetNow(color: IndicatorColor): Uint8Array {
  const [r, g, b] = RGB[color];
  return Uint8Array.of(0x01, 0x6e /* 'n' */, r, g, b, 0, 0, 0, 0);
}

export class Blink1 implements Indicator {
  readonly id: string;
  private readonly backend: HidBackend;
  private readonly path: string | undefined;
  private handle: HidHandle | undefined;
  private player: StepPlayer | undefined;

  constructor(backend: HidBackend, path?: string) {
    this.backend = backend;
    this.path = path;
    this.id = `blink1:${path ?? 'first'}`;
  }

  async start(): Promise<void> {
    const found = (await this.backend.devices()).find((d) => d.vendorId === BLINK1_VID && d.productId === BLINK1_PID && (this.path === undefined || d.path === this.path));
    if (!found) throw new KioskError('device-missing', `indicator: no blink(1) (27b8:01ed)${this.path ? ` at ${this.path}` : ''} found`, { details: { field: 'indicator.path' } });
    this.handle = await this.backend.open(found.path);
    await this.color('off');
  }

  async show(pattern: IndicatorPattern): Promise<void> {
    this.player?.cancel();
    this.player = new StepPlayer((on) => this.color(on ? pattern.color : 'off'), () => undefined);
    await this.player.play(pattern.color === 'off' ? [] : lightSteps(pattern.mode, pattern.durationMs));
  }

  async stop(): Promise<void> {
    this.player?.cancel();
    try {
      if (this.handle) await this.color('off');
    } finally {
      await this.handle?.close();
      this.handle = undefined;
    }
  }

  private async color(c: IndicatorColor): Promise<void> {
    if (!this.handle) throw new KioskError('indicator-failed', `${this.id}: not open`);
    await this.handle.sendFeatureReport(blink1SetNow(c));
  }
}
