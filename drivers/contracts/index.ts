import type { Indicator } from './indicator.ts';
import type { Relay } from './relay.ts';
import type { Scanner } from './scanner.ts';
import type { Sensor } from './sensor.ts';

export type { DeviceState, Framing, RawScan, Scanner, ScannerHandlers } from './scanner.ts';
export type { Relay } from './relay.ts';
export type { Indicator, IndicatorColor, IndicatorMode, IndicatorPattern, Sound } from './indicator.ts';
export type { Sensor } from './sensor.ts';

/** What `drivers/create.ts` hands the core: one of each, already constructed, not yet started. */
export interface DriverSet {
  scanner: Scanner;
  gate: Relay;
  indicator: Indicator;
  /** Closed loop: confirms passage after the gate opened (optional per site). */
  sensor?: Sensor;
}
