import type { GateConfig, IndicatorConfig, KioskConfig, OutputConfig, ScannerConfig } from '../common/config.ts';
import { missingCase } from '../common/errors.ts';
import type { DriverSet, Indicator, Relay, Scanner } from './contracts/index.ts';
import type { Sensor } from './contracts/sensor.ts';
import { FakeIndicator } from './fake/fake-indicator.ts';
import { FakeRelay } from './fake/fake-relay.ts';
import { FakeScanner } from './fake/fake-scanner.ts';
import { FakeSensor } from './fake/fake-sensor.ts';
import { GpioSensor } from './gpio/gpio-sensor.ts';
import { GpioRelay } from './gpio/gpio-relay.ts';
import { GpiodToolsBackend, type GpioBackend } from './gpio/gpio-backend.ts';
import { LedRelay } from './gpio/led-relay.ts';
import { Blink1 } from './hid/blink1.ts';
import { nodeHidBackend, type HidBackend } from './hid/hid-backend.ts';
import { HidRelay } from './hid/hid-relay.ts';
import { HidKeyboardScanner } from './hid/hid-keyboard-scanner.ts';
import { HidPosScanner } from './hid/hid-pos-scanner.ts';
import { AutoScanner, type AutoScannerOptions } from './scanners/auto-scanner.ts';
import { LightsIndicator } from './indicators/lights-indicator.ts';
import { bytesOf } from './parsers/framer.ts';
import { LcusRelay } from './serial/lcus-relay.ts';
import { SerialScanner } from './serial/serial-scanner.ts';
import { TowerLight } from './serial/tower-light.ts';
import { StdinScanner } from './stdio/stdin-scanner.ts';

/** The buses drivers reach hardware through; tests pass fakes (FakeHidBackend, FakeGpioBackend). */
export interface DriverContext {
  hid: HidBackend;
  gpio: GpioBackend;
}

let realContext: DriverContext | undefined;
export function defaultContext(): DriverContext {
  realContext ??= { hid: nodeHidBackend, gpio: new GpiodToolsBackend() };
  return realContext;
}

/**
 * Configuration name → implementation. The only file that imports every adapter, so the
 * core never learns which hardware it drives (johnny-five's Board.Controller pattern).
 */
/** The driver for a scanner that `scanner.kind: "auto"` found, in the mode it was found in. */
export function openDetectedScanner(
  ctx: Pick<DriverContext, 'hid'>,
  o: { suffix: Uint8Array; interByteTimeoutMs: number; maxPayloadBytes: number; baudRate: number },
): AutoScannerOptions['open'] {
  return (device) => {
    switch (device.mode) {
      case 'hid-pos':
        return new HidPosScanner({ backend: ctx.hid, path: device.path, maxPayloadBytes: o.maxPayloadBytes });
      case 'serial':
        return new SerialScanner({ path: device.path, baudRate: o.baudRate, suffix: o.suffix, interByteTimeoutMs: o.interByteTimeoutMs, prefix: new Uint8Array(0), maxPayloadBytes: o.maxPayloadBytes });
      case 'keyboard':
        return new HidKeyboardScanner({ backend: ctx.hid, path: device.path, suffix: o.suffix, interByteTimeoutMs: o.interByteTimeoutMs, maxPayloadBytes: o.maxPayloadBytes });
      default:
        return missingCase(device.mode);
    }
  };
}

export function createScanner(config: ScannerConfig, ctx: DriverContext = defaultContext()): Scanner {
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
    case 'hid-pos':
      return new HidPosScanner({ backend: ctx.hid, maxPayloadBytes: config.maxPayloadBytes, ...(config.path ? { path: config.path } : {}) });
    case 'hid-keyboard':
      return new HidKeyboardScanner({
        backend: ctx.hid,
        suffix: bytesOf(config.suffix),
        interByteTimeoutMs: config.interByteTimeoutMs,
        maxPayloadBytes: config.maxPayloadBytes,
        ...(config.path ? { path: config.path } : {}),
        ...(config.vendorId ? { vendorId: Number.parseInt(config.vendorId, 16) } : {}),
      });
    case 'auto':
      return new AutoScanner({
        hid: ctx.hid,
        open: openDetectedScanner(ctx, { suffix: bytesOf(config.suffix), interByteTimeoutMs: config.interByteTimeoutMs, maxPayloadBytes: config.maxPayloadBytes, baudRate: config.baudRate }),
      });
    default:
      return missingCase(config);
  }
}

/** One relay channel, GPIO line or LED; `field` names it in errors (`gate`, `indicator.green`). */
export function createOutput(config: OutputConfig, field: string, ctx: DriverContext = defaultContext()): Relay {
  switch (config.kind) {
    case 'serial-relay':
      return new LcusRelay({ path: config.path, baudRate: config.baudRate, channel: config.channel, hasStatusQuery: config.hasStatusQuery, field });
    case 'hid-relay':
      return new HidRelay({
        backend: ctx.hid,
        channel: config.channel,
        field,
        ...(config.path ? { path: config.path } : {}),
        ...(config.boardId ? { boardId: config.boardId } : {}),
      });
    case 'gpio':
      return new GpioRelay({ backend: ctx.gpio, line: config.line, isActiveLow: config.isActiveLow, field, ...(config.chip ? { chipLabel: config.chip } : {}) });
    case 'led':
      return new LedRelay({ name: config.name, root: config.root, field });
    case 'fake':
      return new FakeRelay(`fake:${field}`);
    default:
      return missingCase(config);
  }
}

export function createGate(config: GateConfig, ctx: DriverContext = defaultContext()): Relay {
  return createOutput(config, 'gate', ctx);
}

export function createIndicator(config: IndicatorConfig, ctx: DriverContext = defaultContext()): Indicator {
  switch (config.kind) {
    case 'screen':
      return new FakeIndicator('screen');
    case 'lights':
      return new LightsIndicator({
        ...(config.green ? { green: createOutput(config.green, 'indicator.green', ctx) } : {}),
        ...(config.red ? { red: createOutput(config.red, 'indicator.red', ctx) } : {}),
        ...(config.amber ? { amber: createOutput(config.amber, 'indicator.amber', ctx) } : {}),
        ...(config.buzzer ? { buzzer: createOutput(config.buzzer, 'indicator.buzzer', ctx) } : {}),
      });
    case 'tower-light':
      return new TowerLight(config.path, config.baudRate);
    case 'blink1':
      return new Blink1(ctx.hid, config.path);
    case 'fake':
      return new FakeIndicator();
    default:
      return missingCase(config);
  }
}

export function createSensor(config: NonNullable<KioskConfig['sensor']>, ctx: DriverContext = defaultContext()): Sensor {
  switch (config.kind) {
    case 'gpio':
      return new GpioSensor({ backend: ctx.gpio, line: config.line, isActiveLow: config.isActiveLow, ...(config.chip ? { chipLabel: config.chip } : {}) });
    case 'fake':
      return new FakeSensor();
    default:
      return missingCase(config);
  }
}

/** Every output that has a safe state, for the supervisor to restore after the core died. */
export function createSafeStateOutputs(config: KioskConfig, ctx: DriverContext = defaultContext()): Relay[] {
  const outputs = [createGate(config.gate, ctx)];
  if (config.indicator.kind === 'lights') {
    for (const lamp of ['green', 'red', 'amber', 'buzzer'] as const) {
      const o = config.indicator[lamp];
      if (o) outputs.push(createOutput(o, `indicator.${lamp}`, ctx));
    }
  }
  return outputs;
}

export function createDrivers(config: KioskConfig, ctx: DriverContext = defaultContext()): DriverSet {
  return {
    scanner: createScanner(config.scanner, ctx),
    gate: createGate(config.gate, ctx),
    indicator: createIndicator(config.indicator, ctx),
    ...(config.sensor ? { sensor: createSensor(config.sensor, ctx) } : {}),
  };
}
