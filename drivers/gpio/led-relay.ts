import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';

export interface LedRelayOptions {
  /** LED name under `root`, as the `gpio-led` overlay labels it (`dtoverlay=gpio-led,gpio=17,label=gate`). */
  name: string;
  root: string;
  field: string;
}

/**
 * An output through the kernel LED class: a stable ABI written with plain file writes. Its `oneshot`
 * trigger lets the kernel time a pulse, so a gate pulse ends on time even if this process dies
 * mid-pulse (docs.kernel.org/leds/ledtrig-oneshot.html).
 */
export class LedRelay implements Relay {
  readonly id: string;
  private readonly dir: string;
  private readonly field: string;
  private max = 1;

  constructor(options: LedRelayOptions) {
    this.dir = join(options.root, options.name);
    this.field = options.field;
    this.id = `led:${options.name}`;
  }

  async start(): Promise<void> {
    if (!existsSync(join(this.dir, 'brightness'))) {
      throw new KioskError('relay-open-failed', `${this.field}.name: no LED at ${this.dir} (add dtoverlay=gpio-led to config.txt; see docs/deploy.md)`, {
        details: { field: `${this.field}.name` },
      });
    }
    const max = Number(this.read('max_brightness') ?? '1');
    this.max = Number.isFinite(max) && max > 0 ? max : 1;
    await this.safe();
  }

  async set(isOn: boolean): Promise<void> {
    try {
      this.write('trigger', 'none');
      this.write('brightness', isOn ? String(this.max) : '0');
    } catch (err) {
      throw new KioskError('relay-write-failed', `${this.id}: ${String(err)}`, { cause: err });
    }
  }

  async safe(): Promise<void> {
    await this.set(false);
  }

  async stop(): Promise<void> {
    await this.safe();
  }

  async readState(): Promise<boolean | undefined> {
    const b = this.read('brightness');
    return b === undefined ? undefined : Number(b) > 0;
  }

  /** One pulse of `ms`, timed by the kernel: selecting `oneshot` creates the delay files, `shot` fires it. */
  async hardwarePulse(ms: number): Promise<void> {
    try {
      this.write('trigger', 'oneshot');
      this.write('delay_on', String(ms));
      this.write('delay_off', '1');
      this.write('shot', '1');
    } catch (err) {
      throw new KioskError('relay-write-failed', `${this.id}: oneshot trigger failed: ${String(err)}`, { cause: err });
    }
  }

  private write(file: string, value: string): void {
    writeFileSync(join(this.dir, file), value);
  }

  private read(file: string): string | undefined {
    try {
      return readFileSync(join(this.dir, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  }
}
