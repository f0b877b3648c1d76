import type { GpioBackend, GpioInputWatch, GpioOutputLine } from '../contracts/gpio-backend.ts';

/** Chips by label with lines that remember their level and history; inputs are driven by the test. */
export class FakeGpioBackend implements GpioBackend {
  readonly chips = new Map<string, string>([['pinctrl-bcm2711', 'gpiochip0']]);
  /** `${chip}:${line}` → levels written, in order (true = high). */
  readonly history = new Map<string, boolean[]>();
  readonly held = new Set<string>();
  private readonly watchers = new Map<string, Array<(isRising: boolean) => void>>();

  async findChip(label: string): Promise<string | undefined> {
    return this.chips.get(label);
  }

  level(chip: string, line: number): boolean | undefined {
    return this.history.get(`${chip}:${line}`)?.at(-1);
  }

  async requestOutput(chip: string, line: number, isHigh: boolean): Promise<GpioOutputLine> {
    const key = `${chip}:${line}`;
    if (this.held.has(key)) throw new Error(`line ${line} of ${chip} is busy`);
    this.held.add(key);
    const record = (high: boolean): void => {
      this.history.set(key, [...(this.history.get(key) ?? []), high]);
    };
    record(isHigh);
    return {
      set: async (high) => record(high),
      release: async () => {
        this.held.delete(key);
      },
    };
  }

  async watchInput(chip: string, line: number, onEdge: (isRising: boolean) => void): Promise<GpioInputWatch> {
    const key = `${chip}:${line}`;
    this.watchers.set(key, [...(this.watchers.get(key) ?? []), onEdge]);
    return {
      stop: async () => {
        this.watchers.set(key, (this.watchers.get(key) ?? []).filter((w) => w !== onEdge));
      },
    };
  }

  /** A sensor edge on an input line. */
  edge(chip: string, line: number, isRising: boolean): void {
    for (const w of this.watchers.get(`${chip}:${line}`) ?? []) w(isRising);
  }
}
