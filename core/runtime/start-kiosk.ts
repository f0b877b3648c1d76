import { dirname } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';
import type { EventSink, KioskEvent } from '../../common/events.ts';
import type { DriverSet } from '../../drivers/contracts/index.ts';
import { readTrustFile, TrustListHolder, type TrustListSync } from '../dcc/trust-list.ts';
import { effectivePolicy } from '../decision/policy.ts';
import type { Logger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import type { KioskCore } from '../pipeline/kiosk-core.ts';
import type { RiskListSync } from '../status/risk-list.ts';
import { OfflineStatusChecker } from '../status/status-checker.ts';
import type { Uploader } from '../upload/uploader.ts';
import { HealthFold } from './heartbeat.ts';
import { bootMonoMs, clockSyncProbe, peakRssMiB, readBootId } from './host-facts.ts';
import type { KioskPart, TimerPart } from './part.ts';
import { createGate, createScanCore } from './scan-path.ts';
import { createServerLink, type ServerLink, type ServerLinkOptions } from './server-link.ts';
import { createRetention, createSpaceWatch } from './store-upkeep.ts';
import { createTimeAnchors } from './time-anchors.ts';

export interface StartKioskOptions {
  /** Constructed by `drivers/create.ts` (or fakes in tests); the core only sees the contracts. */
  drivers: DriverSet;
  emit: EventSink;
  log: Logger;
  clock?: Clock;
  /** Overrides for tests: the boot-monotonic clock and the NTP-synchronised probe. */
  bootMonoMs?: () => number;
  isClockSynced?: () => boolean;
  /** Reported in heartbeats (default: this software's version). */
  appVersion?: string;
}

/** This software's version, reported in heartbeats (kept equal to package.json's). */
export const APP_VERSION = '0.1.0';

export interface RunningKiosk {
  core: KioskCore;
  outbox: Outbox;
  uploader: Uploader | undefined;
  riskSync: RiskListSync | undefined;
  trustSync: TrustListSync | undefined;
  trustList: TrustListHolder;
  drivers: DriverSet;
  /** Technician self-test: one gate pulse with the "allow" lamps and sound, no entry recorded. */
  gateTest(): Promise<void>;
  /** Stops scanning, finishes queued scans, drives outputs safe, stops uploading, closes the store. */
  stop(reason?: string): Promise<void>;
}

/**
 * Composes the kiosk from its configuration. Used by `kiosk run`, the demo, and Electron's core process.
 *
 * The parts, in start order: the outbox; upkeep that owns its timers (time anchors, retention, free
 * space); the trust list; the server link when provisioned (status checks, uploader, list syncs,
 * heartbeat); the gate; the scan core. Upkeep starts at once, the syncs once the core accepts scans,
 * the heartbeat after "ready" (its first beat already reports the devices as started).
 */
export async function startKiosk(config: KioskConfig, options: StartKioskOptions): Promise<RunningKiosk> {
  const { drivers, log } = options;
  const clock = options.clock ?? systemClock;
  // Every event also feeds the heartbeat's view of the devices.
  const health = new HealthFold(clock);
  const emit: EventSink = (event) => {
    health.observe(event);
    options.emit(event);
  };
  const boot = options.bootMonoMs ?? bootMonoMs;
  const isClockSynced = options.isClockSynced ?? clockSyncProbe();
  const outbox = Outbox.open({ path: config.store.path, bootId: readBootId(), nowMs: () => clock.nowMs() });
  const upkeep: TimerPart[] = [];

  try {
    const anchors = createTimeAnchors({ outbox, clock, bootMonoMs: boot, isClockSynced });
    upkeep.push(anchors);
    anchors.start();
    const trustList = openTrustList(outbox, config.dcc.trustFile);
    const emitTrustList = () => emit(trustListEvent(trustList));
    const link = openServerLink({
      config,
      outbox,
      trustList,
      clock,
      boot,
      isClockSynced,
      health,
      emit,
      log,
      appVersion: options.appVersion ?? APP_VERSION,
      onServerTime: anchors.onServerTime,
      onTrustListSynced: emitTrustList,
    });
    const retention = createRetention({ outbox, clock, log, retentionDays: config.store.retentionDays });
    const spaceWatch = createSpaceWatch({ dir: dirname(config.store.path), lowSpaceMiB: config.store.lowSpaceMiB, emit, log });
    for (const part of [retention, spaceWatch]) {
      upkeep.push(part);
      part.start();
    }
    const policy = effectivePolicy(config.venue.kind, config.policy);
    const uploader = link?.uploader;
    const actuator = createGate({ config, drivers, policy, outbox, uploader, clock, emit, log });
    const status = link?.status ?? new OfflineStatusChecker();
    const core = createScanCore({ config, drivers, actuator, status, outbox, uploader, policy, trustList, clock, bootMonoMs: boot, isClockSynced, emit, log });
    // The core starts the gate (safe state first), the uploader and the scanner.
    await core.start();

    const syncs = [link?.riskSync, link?.trustSync].filter((p) => p !== undefined);
    for (const sync of syncs) sync.start();
    emitTrustList();
    emit({
      type: 'ready',
      pid: process.pid,
      ...(config.device ? { deviceId: config.device.id, venueId: config.device.venueId } : {}),
      scanner: drivers.scanner.id,
      gate: drivers.gate.id,
    });
    link?.heartbeat.start();

    // Stop order: upkeep timers, the server syncs and heartbeat, then the core (scanner, queued
    // scans, outputs safe, uploader), and last the store they all write to.
    const stopOrder: ReadonlyArray<Pick<KioskPart, 'stop'>> = [...upkeep, ...syncs, ...(link ? [link.heartbeat] : []), core];
    let stopped: Promise<void> | undefined;
    return {
      core,
      outbox,
      uploader,
      riskSync: link?.riskSync,
      trustSync: link?.trustSync,
      trustList,
      drivers,
      async gateTest() {
        await actuator.act('allow', 'self-test');
      },
      stop(reason = 'stopped') {
        stopped ??= (async () => {
          for (const part of stopOrder) await part.stop();
          outbox.close();
          const peak = peakRssMiB();
          emit({ type: 'stopped', reason, ...(peak === undefined ? {} : { peakRssMiB: peak }) });
        })();
        return stopped;
      },
    };
  } catch (err) {
    // A kiosk that did not start leaves no timer running and no store open (the core itself is not
    // stopped: it drives its outputs safe on start, before anything that can fail after it).
    for (const part of upkeep) part.stop();
    outbox.close();
    throw namedConfigError(err);
  }
}

/** The EU DCC trust list: the synced copy in the outbox database plus an optional local file. */
function openTrustList(outbox: Outbox, trustFile: string | undefined): TrustListHolder {
  try {
    return new TrustListHolder(outbox.trustList, trustFile ? readTrustFile(trustFile) : []);
  } catch (err) {
    throw err instanceof KioskError ? new KioskError(err.code, `dcc.trustFile: ${err.message}`, { cause: err, details: { field: 'dcc.trustFile' } }) : err;
  }
}

function trustListEvent(trustList: TrustListHolder): KioskEvent {
  const s = trustList.state();
  return { type: 'trust-list', size: trustList.get().size, version: s.version, syncedAt: s.syncedAt };
}

/** The server link when the kiosk is provisioned; otherwise says loudly that it is not. */
function openServerLink(o: Omit<ServerLinkOptions, 'server' | 'device' | 'bootMonoMs'> & { boot: () => number }): ServerLink | undefined {
  const { server, device } = o.config;
  if (server && device) return createServerLink({ ...o, server, device, bootMonoMs: o.boot });
  const message = 'kiosk is not provisioned: decisions use the offline rule and entries stay in the outbox (run `kiosk provision`)';
  o.log.warn(message);
  o.emit({ type: 'error', code: 'not-provisioned', message });
  return undefined;
}

/** Names the config field a technician has to look at when a device in it cannot be opened. */
function namedConfigError(err: unknown): unknown {
  if (err instanceof KioskError && err.code === 'relay-open-failed') {
    return new KioskError(err.code, `gate.path: ${err.message}`, { cause: err, details: { field: 'gate.path' } });
  }
  return err;
}
