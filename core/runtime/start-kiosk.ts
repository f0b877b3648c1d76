import { systemClock, type Clock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';
import type { EventSink } from '../../common/events.ts';
import type { DriverSet } from '../../drivers/contracts/index.ts';
import { Actuator } from '../actuation/actuator.ts';
import { HttpClient } from '../http/client.ts';
import { loadDeviceIdentity } from '../identity/device-key.ts';
import type { Logger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import { KioskCore } from '../pipeline/kiosk-core.ts';
import { HttpStatusChecker } from '../status/http-status-checker.ts';
import { OfflineStatusChecker, type StatusChecker } from '../status/status-checker.ts';
import { Uploader } from '../upload/uploader.ts';
import { clockSyncProbe, readBootId } from './host-facts.ts';

export interface StartKioskOptions {
  /** Constructed by `drivers/create.ts` (or fakes in tests); the core only sees the contracts. */
  drivers: DriverSet;
  emit: EventSink;
  log: Logger;
  clock?: Clock;
}

export interface RunningKiosk {
  core: KioskCore;
  outbox: Outbox;
  uploader: Uploader | undefined;
  drivers: DriverSet;
  /** Stops scanning, finishes queued scans, drives outputs safe, stops uploading, closes the store. */
  stop(reason?: string): Promise<void>;
}

/** Composes the kiosk from its configuration. Used by `kiosk run`, the demo, and Electron's core process. */
export async function startKiosk(config: KioskConfig, options: StartKioskOptions): Promise<RunningKiosk> {
  const { drivers, emit, log } = options;
  const clock = options.clock ?? systemClock;
  const outbox = Outbox.open({ path: config.store.path, bootId: readBootId(), nowMs: () => clock.nowMs() });

  let status: StatusChecker = new OfflineStatusChecker();
  let uploader: Uploader | undefined;
  if (config.server && config.device) {
    const identity = loadDeviceIdentity(config.device.id, config.device.keyFile);
    const http = new HttpClient({ baseUrl: config.server.url, identity, clock });
    status = new HttpStatusChecker({
      http,
      clock,
      budgetMs: config.server.statusBudgetMs,
      cacheTtlMs: config.server.statusCacheTtlMs,
      onConnectivity: (online, detail) => {
        log.warn({ online }, `server ${online ? 'reachable again' : 'unreachable'}: ${detail}`);
        emit({ type: 'connectivity', online, detail });
      },
    });
    uploader = new Uploader({ outbox, http, config: config.upload, clock, emit, log: log.child({ part: 'upload' }), deviceId: config.device.id });
  } else {
    const message = 'kiosk is not provisioned: decisions use the offline rule and entries stay in the outbox (run `kiosk provision`)';
    log.warn(message);
    emit({ type: 'error', code: 'not-provisioned', message });
  }

  const actuator = new Actuator({
    gate: drivers.gate,
    indicator: drivers.indicator,
    pulseMs: config.gate.pulseMs,
    shouldOpenOnWarn: config.policy.shouldOpenOnWarn,
    emit,
    log: log.child({ part: 'gate' }),
  });
  const core = new KioskCore({
    scanner: drivers.scanner,
    actuator,
    status,
    outbox,
    ...(uploader ? { uploader } : {}),
    policy: config.policy,
    direction: config.device?.direction ?? config.scanner.direction ?? 'in',
    duplicateWindowMs: config.duplicateWindowMs,
    clock,
    isClockSynced: clockSyncProbe(),
    emit,
    log: log.child({ part: 'core' }),
  });
  try {
    await core.start();
  } catch (err) {
    outbox.close();
    // Name the config field a technician has to look at.
    if (err instanceof KioskError && err.code === 'relay-open-failed') {
      throw new KioskError(err.code, `gate.path: ${err.message}`, { cause: err, details: { field: 'gate.path' } });
    }
    throw err;
  }
  emit({
    type: 'ready',
    ...(config.device ? { deviceId: config.device.id, venueId: config.device.venueId } : {}),
    scanner: drivers.scanner.id,
    gate: drivers.gate.id,
  });

  let stopped: Promise<void> | undefined;
  return {
    core,
    outbox,
    uploader,
    drivers,
    stop(reason = 'stopped') {
      stopped ??= (async () => {
        await core.stop();
        outbox.close();
        emit({ type: 'stopped', reason });
      })();
      return stopped;
    },
  };
}
