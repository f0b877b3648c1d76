import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';
import type { EventSink } from '../../common/events.ts';
import type { DriverSet } from '../../drivers/contracts/index.ts';
import { Actuator } from '../actuation/actuator.ts';
import { effectivePolicy } from '../decision/policy.ts';
import { HttpClient } from '../http/client.ts';
import { loadDeviceIdentity } from '../identity/device-key.ts';
import type { Logger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import { KioskCore } from '../pipeline/kiosk-core.ts';
import { BlindIndexer } from '../privacy/blind-index.ts';
import { SubjectSealer } from '../privacy/seal.ts';
import { HttpStatusChecker } from '../status/http-status-checker.ts';
import { RiskList, RiskListSync } from '../status/risk-list.ts';
import { OfflineStatusChecker, type StatusChecker } from '../status/status-checker.ts';
import { Uploader } from '../upload/uploader.ts';
import { HealthFold, HeartbeatSender } from './heartbeat.ts';
import { bootMonoMs, clockSyncProbe, peakRssMiB, readBootId } from './host-facts.ts';
import { createDccVerifier } from '../dcc/credential.ts';
import { readTrustFile, TrustListHolder, TrustListSync } from '../dcc/trust-list.ts';

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

const SERVER_ANCHOR_EVERY_MS = 10 * 60_000;

/** Composes the kiosk from its configuration. Used by `kiosk run`, the demo, and Electron's core process. */
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
  const timers: Array<ReturnType<typeof setInterval>> = [];
  const every = (ms: number, fn: () => void) => {
    const t = setInterval(fn, ms);
    t.unref();
    timers.push(t);
  };

  // Time anchors: NTP synchronisation once per boot, the server's signed time at most every 10 min.
  let hasNtpAnchor = false;
  const anchorFromNtp = () => {
    if (hasNtpAnchor || !isClockSynced()) return;
    hasNtpAnchor = true;
    outbox.setTimeAnchor(boot(), clock.nowMs(), 'ntp');
  };
  let lastServerAnchorMono = -Infinity;
  const anchorFromServer = (serverMs: number, atMono: number) => {
    if (hasNtpAnchor || atMono - lastServerAnchorMono < SERVER_ANCHOR_EVERY_MS) return;
    lastServerAnchorMono = atMono;
    outbox.setTimeAnchor(atMono, serverMs, 'server');
  };
  anchorFromNtp();
  every(10_000, anchorFromNtp);

  // EU DCC trust list: the synced copy in SQLite plus an optional local file.
  let trustList: TrustListHolder;
  try {
    trustList = new TrustListHolder(outbox.trustList, config.dcc.trustFile ? readTrustFile(config.dcc.trustFile) : []);
  } catch (err) {
    outbox.close();
    throw err instanceof KioskError ? new KioskError(err.code, `dcc.trustFile: ${err.message}`, { cause: err, details: { field: 'dcc.trustFile' } }) : err;
  }
  const emitTrustList = () => {
    const s = trustList.state();
    emit({ type: 'trust-list', size: trustList.get().size, version: s.version, syncedAt: s.syncedAt });
  };
  let trustSync: TrustListSync | undefined;

  let status: StatusChecker = new OfflineStatusChecker();
  let uploader: Uploader | undefined;
  let riskSync: RiskListSync | undefined;
  let heartbeat: HeartbeatSender | undefined;
  if (config.server && config.device) {
    const identity = loadDeviceIdentity(config.device.id, config.device.keyFile);
    const http = new HttpClient({
      baseUrl: config.server.url,
      identity,
      clock,
      bootMonoMs: boot,
      onServerTime: anchorFromServer,
      ...(config.server.publicKey ? { serverPublicKey: config.server.publicKey } : {}),
    });
    const riskList = config.device.riskListKey ? new RiskList(config.device.riskListKey, outbox.riskList, clock) : undefined;
    if (riskList) {
      riskSync = new RiskListSync({
        http,
        store: outbox.riskList,
        clock,
        log: log.child({ part: 'risk-list' }),
        intervalMs: config.server.riskSyncIntervalMs,
        onSynced: (size) => emit({ type: 'risk-list', size, syncedAt: clock.nowMs() }),
      });
    }
    trustSync = new TrustListSync({
      http,
      store: outbox.trustList,
      holder: trustList,
      serverPublicKey: config.server.publicKey,
      clock,
      log: log.child({ part: 'trust-list' }),
      intervalMs: config.dcc.syncIntervalMs,
      onSynced: emitTrustList,
    });
    // Connectivity flaps are events (the guard's status strip) but at most one log line a minute.
    let lastConnectivityLog = -Infinity;
    status = new HttpStatusChecker({
      http,
      clock,
      budgetMs: config.server.statusBudgetMs,
      cacheTtlMs: config.server.statusCacheTtlMs,
      ...(riskList ? { riskList } : {}),
      onConnectivity: (online, detail) => {
        if (clock.monoMs() - lastConnectivityLog >= 60_000) {
          lastConnectivityLog = clock.monoMs();
          log.warn({ online }, `server ${online ? 'reachable again' : 'unreachable'}: ${detail}`);
        }
        emit({ type: 'connectivity', online, detail });
      },
    });
    uploader = new Uploader({
      outbox,
      http,
      config: config.upload,
      clock,
      emit,
      log: log.child({ part: 'upload' }),
      deviceId: config.device.id,
      requestTimeoutMs: config.upload.requestTimeoutMs,
    });
    heartbeat = new HeartbeatSender({
      http,
      clock,
      log: log.child({ part: 'heartbeat' }),
      intervalMs: config.server.heartbeatIntervalMs,
      facts: {
        deviceId: config.device.id,
        appVersion: options.appVersion ?? APP_VERSION,
        storeDir: dirname(config.store.path),
        backlog: () => outbox.stats(),
        riskListSyncedAt: () => outbox.riskList.state().syncedAt,
        trustListSyncedAt: () => trustList.state().syncedAt,
        clockOffsetMs: () => http.serverClockOffsetMs,
        isClockSynced,
        health,
      },
    });
  } else {
    const message = 'kiosk is not provisioned: decisions use the offline rule and entries stay in the outbox (run `kiosk provision`)';
    log.warn(message);
    emit({ type: 'error', code: 'not-provisioned', message });
  }

  // Retention: uploaded entries older than retentionDays go; pending ones never.
  const purge = () => {
    try {
      const n = outbox.purgeUploaded(clock.nowMs() - config.store.retentionDays * 86_400_000);
      if (n > 0) log.info({ purged: n }, 'purged uploaded entries past retention');
    } catch (err) {
      log.warn({ err }, 'retention purge failed');
    }
  };
  purge();
  every(3_600_000, purge);

  // Free space: warn the guard and the event stream before the disk is full.
  let isLow = false;
  const checkSpace = () => {
    try {
      const s = statfsSync(dirname(config.store.path));
      const freeMiB = Math.floor((s.bavail * s.bsize) / 2 ** 20);
      const low = freeMiB < config.store.lowSpaceMiB;
      if (low !== isLow) emit({ type: 'storage', state: low ? 'low' : 'ok', freeMiB });
      isLow = low;
    } catch (err) {
      log.warn({ err }, 'cannot read free disk space');
    }
  };
  checkSpace();
  every(60_000, checkSpace);

  const policy = effectivePolicy(config.venue.kind, config.policy);
  const actuator = new Actuator({
    gate: drivers.gate,
    indicator: drivers.indicator,
    ...(drivers.sensor ? { sensor: drivers.sensor } : {}),
    settings: { pulseMs: config.gate.pulseMs, failMode: config.gate.failMode, passageWindowMs: config.gate.passageWindowMs },
    actuation: config.actuation,
    shouldOpenOnWarn: policy.shouldOpenOnWarn,
    emit,
    log: log.child({ part: 'gate' }),
    onPassage: (seq, entryId, isPassed) => {
      try {
        outbox.recordPassage(seq, isPassed, clock.nowMs());
        uploader?.nudge();
      } catch (err) {
        log.error({ err }, 'could not store a passage');
      }
      emit({ type: 'passage', entryId, passed: isPassed });
    },
  });
  const core = new KioskCore({
    scanner: drivers.scanner,
    actuator,
    status,
    outbox,
    ...(uploader ? { uploader } : {}),
    policy,
    direction: config.device?.direction ?? config.scanner.direction ?? 'in',
    duplicateWindowMs: config.duplicateWindowMs,
    clock,
    bootMonoMs: boot,
    isClockSynced,
    ...(config.privacy.sealSubjectTo ? { sealer: new SubjectSealer(config.privacy.sealSubjectTo) } : {}),
    ...(config.privacy.sealSubjectTo && config.privacy.blindIndexKeysFile ? { blindIndexer: BlindIndexer.fromFile(config.privacy.blindIndexKeysFile) } : {}),
    unstoredSubjects: new Set(Object.entries(config.privacy.subjects).filter(([, keep]) => keep === 'none').map(([format]) => format)),
    verifyDcc: createDccVerifier({
      trust: () => trustList.get(),
      nowMs: () => clock.nowMs(),
      clockSkewMs: config.dcc.clockSkewMs,
      valueSets: () => trustList.valueSets(),
    }),
    emit,
    log: log.child({ part: 'core' }),
  });
  try {
    await core.start();
  } catch (err) {
    for (const t of timers) clearInterval(t);
    outbox.close();
    // Name the config field a technician has to look at.
    if (err instanceof KioskError && err.code === 'relay-open-failed') {
      throw new KioskError(err.code, `gate.path: ${err.message}`, { cause: err, details: { field: 'gate.path' } });
    }
    throw err;
  }
  riskSync?.start();
  trustSync?.start();
  emitTrustList();
  emit({
    type: 'ready',
    pid: process.pid,
    ...(config.device ? { deviceId: config.device.id, venueId: config.device.venueId } : {}),
    scanner: drivers.scanner.id,
    gate: drivers.gate.id,
  });
  // After "ready": the first beat already reports the devices as started.
  heartbeat?.start();

  let stopped: Promise<void> | undefined;
  return {
    core,
    outbox,
    uploader,
    riskSync,
    trustSync,
    trustList,
    drivers,
    async gateTest() {
      await actuator.act('allow', 'self-test');
    },
    stop(reason = 'stopped') {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await riskSync?.stop();
        await trustSync?.stop();
        await heartbeat?.stop();
        await core.stop();
        outbox.close();
        const peak = peakRssMiB();
        emit({ type: 'stopped', reason, ...(peak === undefined ? {} : { peakRssMiB: peak }) });
      })();
      return stopped;
    },
  };
}
