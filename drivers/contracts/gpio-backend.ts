/** The GPIO lines the drivers use, so every GPIO driver runs against a fake in tests (drivers/gpio/gpio-backend.ts has the real one). */
export interface GpioOutputLine {
  set(isHigh: boolean): Promise<void>;
  release(): Promise<void>;
}

export interface GpioInputWatch {
  stop(): Promise<void>;
}

export interface GpioBackend {
  /** The chip's name (`gpiochip0`) for a label (`pinctrl-rp1`); undefined when absent. */
  findChip(label: string): Promise<string | undefined>;
  requestOutput(chip: string, line: number, isHigh: boolean): Promise<GpioOutputLine>;
  /** Calls `onEdge` on each rising (true) or falling (false) edge of an input line. */
  watchInput(chip: string, line: number, onEdge: (isRising: boolean) => void): Promise<GpioInputWatch>;
}
