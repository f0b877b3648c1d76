import type { Sensor } from '../contracts/sensor.ts';

/** A sensor the test (or the technician's self-test) triggers by hand. */
export class FakeSensor implements Sensor {
  readonly id = 'fake-sensor';
  private handler: (() => void) | undefined;

  async start(onPassage: () => void): Promise<void> {
    this.handler = onPassage;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
  }

  pass(): void {
    this.handler?.();
  }
}
