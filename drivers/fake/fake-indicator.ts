import type { Indicator, IndicatorPattern } from '../contracts/indicator.ts';

/** Records every pattern shown. */
export class FakeIndicator implements Indicator {
  readonly id: string;
  readonly history: Array<IndicatorPattern & { atMs: number }> = [];

  constructor(id = 'fake-indicator') {
    this.id = id;
  }

  async start(): Promise<void> {}

  async show(pattern: IndicatorPattern): Promise<void> {
    this.history.push({ ...pattern, atMs: performance.now() });
  }

  async stop(): Promise<void> {}

  reset(): void {
    this.history.length = 0;
  }
}
