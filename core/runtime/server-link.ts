import { dirname } from 'node:path';
import type { Clock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import type { EventSink } from '../../common/events.ts';
import type { TrustListHolder } from '../dcc/trust-list.ts';
import { TrustListSync } from '../dcc/trust-list.ts';
import { HttpClient } from '../http/client.ts';
import { loadDeviceIdentity } from '../identity/device-key.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { HttpStatusChecker } from '../status/http-status-checker.ts';
import { RiskList, RiskListSync } from '../status/risk-list.ts';
import type { StatusChecker } from '../status/status-checker.ts';
import { Uploader } from '../upload/uploader.ts';
import { HeartbeatSender, type HealthFold } from './heartbeat.ts';

export interface ServerLinkOptions {
  config: KioskConfig;
  server: NonNullable<KioskConfig['server']>;
  device: NonNullable<KioskConfig['device']>;
  outbox: Outbox;
  trustList: TrustListHolder;
  clock: Clock;
  bootMonoMs: () => number;
  isClockSynced: () => boolean;
  health: HealthFold;
  appVersion: string;
  emit: EventSink;
  log: Logger;
  /** The server's signed time, for the boot's time anchor. */
  onServerTime: (serverMs: number, atMono: number) => void;
  /** Called after each trust-list sync (the event the status strip shows). */
  onTrustListSynced: () => void;
}

/**
 * Everything that talks to the tracing server, over one signed HTTP client. The syncs and the
 * heartbeat own their timers (PeriodicSync); the uploader is started and stopped by the scan core.
 */
export interface ServerLink {
  status: StatusChecker;
  uploader: Uploader;
  riskSync: RiskListSync | undefined;
  trustSync: TrustListSync;
  heartbeat: HeartbeatSender;
}

export function createServerLink(o: ServerLinkOptions): ServerLink {
  const { server, device, outbox, clock, emit, log } = o;
  const http = new HttpClient({
    baseUrl: server.url,
    identity: loadDeviceIdentity(device.id, device.keyFile),
    clock,
    bootMonoMs: o.bootMonoMs,
    onServerTime: o.onServerTime,
    ...(server.publicKey ? { serverPublicKey: server.publicKey } : {}),
  });
  const riskList = device.riskListKey ? new RiskList(device.riskListKey, outbox.riskList, clock) : undefined;
  return {
    status: createStatusChecker(o, http, riskList),
    uploader: new Uploader({
      outbox,
      http,
      config: o.config.upload,
      clock,
      emit,
      log: log.child({ part: 'upload' }),
      deviceId: device.id,
      requestTimeoutMs: o.config.upload.requestTimeoutMs,
    }),
    riskSync: riskList
      ? new RiskListSync({
          http,
          store: outbox.riskList,
          clock,
          log: log.child({ part: 'risk-list' }),
          intervalMs: server.riskSyncIntervalMs,
          onSynced: (size) => emit({ type: 'risk-list', size, syncedAt: clock.nowMs() }),
        })
      : undefined,
    trustSync: new TrustListSync({
      http,
      store: outbox.trustList,
      holder: o.trustList,
      serverPublicKey: server.publicKey,
      clock,
      log: log.child({ part: 'trust-list' }),
      intervalMs: o.config.dcc.syncIntervalMs,
      onSynced: o.onTrustListSynced,
    }),
    heartbeat: new HeartbeatSender({
      http,
      clock,
      log: log.child({ part: 'heartbeat' }),
      intervalMs: server.heartbeatIntervalMs,
      facts: {
        deviceId: device.id,
        appVersion: o.appVersion,
        storeDir: dirname(o.config.store.path),
        backlog: () => outbox.stats(),
        riskListSyncedAt: () => outbox.riskList.state().syncedAt,
        trustListSyncedAt: () => o.trustList.state().syncedAt,
        clockOffsetMs: () => http.serverClockOffsetMs,
        isClockSynced: o.isClockSynced,
        health: o.health,
      },
    }),
  };
}

function createStatusChecker(o: ServerLinkOptions, http: HttpClient, riskList: RiskList | undefined): StatusChecker {
  const { clock, log, emit } = o;
  // Connectivity flaps are events (the guard's status strip) but at most one log line a minute.
  let lastConnectivityLog = -Infinity;
  return new HttpStatusChecker({
    http,
    clock,
    budgetMs: o.server.statusBudgetMs,
    cacheTtlMs: o.server.statusCacheTtlMs,
    ...(riskList ? { riskList } : {}),
    onConnectivity: (online, detail) => {
      if (clock.monoMs() - lastConnectivityLog >= 60_000) {
        lastConnectivityLog = clock.monoMs();
        log.warn({ online }, `server ${online ? 'reachable again' : 'unreachable'}: ${detail}`);
      }
      emit({ type: 'connectivity', online, detail });
    },
  });
}
