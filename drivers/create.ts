import type { GateConfig, KioskConfig, ScannerConfig } from '../common/config.ts';
import { missingCase } from '../common/errors.ts';
import type { DriverSet, Indicator, Relay, Scanner } from './contracts/index.ts';
import { FakeIndicator } from './fake/fake-indicator.ts';
import { FakeRelay } from './fake/fake-relay.ts';
import { FakeScanner } from './fake/fake-scanner.ts';
import { bytesOf } from './parsers/framer.ts';
import { LcusRelay } from './serial/lcus-relay.ts';
import { SerialScanner } from './serial/serial-scanner.ts';
import { StdinScanner } from './stdio/stdin-scanner.ts';

/**
 * Configuration name → implementation. The only file that imports every adapter, so the
 * core never learns which hardware it drives (johnny-five's Board.Controller pattern).
 */
export function createScanner(config: ScannerConfig): Scanner {
  switch (config.kind) {
    case 'serial':
      return new SerialScanner({
        path: config.path,
        baudRate: config.baudRate,
        suffix: bytesOf(config.suffix),
        interByteTimeoutMs: config.interByteTimeoutMs,
        prefix: bytesOf(config.prefix),
        maxPayloadBytes: config.maxPayloadBytes,
      });
    case 'stdin':
      return new StdinScanner();
    case 'fake':
      return new FakeScanner({ replay: config.replay, intervalMs: config.intervalMs });
    default:
      return missingCase(config);
  }
}

export function createGate(config: GateConfig): Relay {
  switch (config.kind) {
    case 'serial-relay':
      return new LcusRelay({ path: config.path, baudRate: config.baudRate, channel: config.channel });
    case 'fake':
      return new FakeRelay();
    default:
      return missingCase(config);
  }
}

export function createIndicator(): Indicator {
  return new FakeIndicator('screen');
}

export function createDrivers(config: KioskConfig): DriverSet {
  return { scanner: createScanner(config.scanner), gate: createGate(config.gate), indicator: createIndicator() };
}
