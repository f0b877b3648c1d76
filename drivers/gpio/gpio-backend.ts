import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { KioskError } from '../../common/errors.ts';
import type { GpioBackend, GpioInputWatch, GpioOutputLine } from '../contracts/gpio-backend.ts';

const run = promisify(execFile);

export type { GpioBackend, GpioInputWatch, GpioOutputLine };

/** Header GPIO chips of the Raspberry Pi models, newest first (Pi 5 RP1, Pi 4, Pi 3 and older). */
export const PI_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export async function findPiChip(backend: GpioBackend, label?: string): Promise<string> {
  for (const l of label ? [label] : PI_CHIP_LABELS) {
    const chip = await backend.findChip(l);
    if (chip) return chip;
  }
  throw new KioskError('device-missing', `no GPIO chip labelled ${label ?? PI_CHIP_LABELS.join(' / ')} (is this a Raspberry Pi? \`gpiodetect\` lists chips)`);
}

type ToolVersion = 1 | 2;

/**
 * GPIO through the kernel's character device, never the deprecated sysfs interface. Node has no
 * ioctl and the npm bindings are either sysfs-based, Pi-4-only or stuck on libgpiod 1.x
 * (docs/hardware.md §2.5), so the real backend drives libgpiod's own tools: a line is held by a
 * long-lived `gpioset`, and released (and driven by its pull resistor) when that process ends.
 */
export class GpiodToolsBackend implements GpioBackend {
  private version: Promise<ToolVersion> | undefined;

  async findChip(label: string): Promise<string | undefined> {
    let out: string;
    try {
      out = (await run('gpiodetect', [])).stdout;
    } catch (err) {
      throw new KioskError('device-missing', `gpiodetect failed: install libgpiod tools (apt-get install gpiod): ${String(err)}`, { cause: err });
    }
    // v1: "gpiochip0 [pinctrl-bcm2711] (58 lines)"; v2 prints the same shape.
    for (const line of out.split('\n')) {
      const m = /^(gpiochip\d+)\s+\[([^\]]+)\]/.exec(line.trim());
      if (m && m[2] === label) return m[1];
    }
    return undefined;
  }

  async requestOutput(chip: string, line: number, isHigh: boolean): Promise<GpioOutputLine> {
    const version = await this.toolVersion();
    let holder: ChildProcess | undefined;
    const hold = async (high: boolean) => {
      await stop(holder);
      // v1 needs `-m signal` to keep the line until killed; v2 keeps it by default.
      const args = version === 1 ? ['-m', 'signal', chip, `${line}=${high ? 1 : 0}`] : ['-c', chip, `${line}=${high ? 1 : 0}`];
      holder = spawn('gpioset', args, { stdio: 'ignore' });
      await new Promise<void>((resolve, reject) => {
        holder?.once('error', reject);
        holder?.once('spawn', () => resolve());
      });
    };
    await hold(isHigh);
    return { set: hold, release: () => stop(holder) };
  }

  async watchInput(chip: string, line: number, onEdge: (isRising: boolean) => void): Promise<GpioInputWatch> {
    const version = await this.toolVersion();
    const args = version === 1 ? [chip, String(line)] : ['-c', chip, String(line)];
    const mon = spawn('gpiomon', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    mon.stdout?.setEncoding('utf8');
    mon.stdout?.on('data', (text: string) => {
      for (const l of text.split('\n')) {
        if (/RISING/i.test(l)) onEdge(true);
        else if (/FALLING/i.test(l)) onEdge(false);
      }
    });
    return { stop: () => stop(mon) };
  }

  private toolVersion(): Promise<ToolVersion> {
    this.version ??= run('gpioset', ['--version']).then(
      (r) => (/v?2\.\d/.test(r.stdout) ? 2 : 1),
      (err: unknown) => {
        this.version = undefined;
        throw new KioskError('device-missing', `gpioset not found: install libgpiod tools (apt-get install gpiod): ${String(err)}`, { cause: err });
      },
    );
    return this.version;
  }
}

function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}
