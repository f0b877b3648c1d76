import { statfsSync } from 'node:fs';
import type { Clock } from '../../common/clock.ts';
import type { KioskEvent } from '../../common/events.ts';
import { heartbeatResponseSchema, type HeartbeatRequest } from '../../common/wire.ts';
import type { HttpRequester } from '../http/client.ts';
import { PeriodicSync } from '../http/periodic-sync.ts';
import type { Logger } from '../log.ts';

type DeviceState = HeartbeatRequest['devices']['scanner'];

/**
 * What the kiosk's own event stream says about its health, folded for the heartbeat: device
 * states and when the server last answered a status lookup.
 */
export class HealthFold {
  readonly devices: HeartbeatRequest['devices'] = { scanner: 'unknown', gate: 'unknown', camera: 'unknown' };
  lastOnlineStatusAtMono: number | null = null;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  observe(event: KioskEvent): void {
    switch (event.type) {
      case 'ready':
        if (this.devices.scanner === 'unknown') this.devices.scanner = 'connected';
        if (this.devices.gate === 'unknown') this.devices.gate = 'connected';
        break;
      case 'device':
        if (event.device === 'scanner' || event.device === 'gate' || event.device === 'camera') this.devices[event.device] = event.state satisfies DeviceState;
        break;
      case 'verdict':
        if (event.source === 'online') this.lastOnlineStatusAtMono = this.clock.monoMs();
        break;
      default:
        break;
    }
  }
}

export interface HeartbeatFacts {
  deviceId: string;
  appVersion: string;
  /** Where the outbox lives: free space is measured there. */
  storeDir: string;
  /** Pending entries and the wall time of the oldest one. */
  backlog: () => { pending: number; oldestPendingAt: number | null };
  riskListSyncedAt: () => number | null;
  trustListSyncedAt: () => number | null;
  clockOffsetMs: () => number;
  isClockSynced: () => boolean;
  health: HealthFold;
}

export interface HeartbeatOptions {
  http: HttpRequester;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  facts: HeartbeatFacts;
  requestTimeoutMs?: number;
}

/**
 * The kiosk's signed heartbeat (`POST /v1/heartbeat`, docs/api.md): on start and every
 * `server.heartbeatIntervalMs`. It never touches the decision path; a failed beat is logged at most
 * once a minute (PeriodicSync) and the next one is simply sent on time.
 */
export class HeartbeatSender extends PeriodicSync {
  private readonly hb: HeartbeatOptions;
  private readonly startedMono: number;

  constructor(options: HeartbeatOptions) {
    super('heartbeat', options);
    this.hb = options;
    this.startedMono = options.clock.monoMs();
  }

  /** The heartbeat as it would be sent now. */
  body(): HeartbeatRequest {
    const { clock, facts } = this.hb;
    const now = clock.nowMs();
    const age = (at: number | null): number | null => (at === null ? null : Math.max(0, Math.round(now - at)));
    const backlog = facts.backlog();
    const statusAt = facts.health.lastOnlineStatusAtMono;
    return {
      deviceId: facts.deviceId,
      sentAt: Math.round(now),
      clockOffsetMs: Math.round(facts.clockOffsetMs()),
      clockSynced: facts.isClockSynced(),
      appVersion: facts.appVersion.slice(0, 40),
      uptimeS: Math.max(0, Math.floor((clock.monoMs() - this.startedMono) / 1000)),
      backlog: { pending: backlog.pending, oldestPendingAgeMs: age(backlog.oldestPendingAt) },
      lists: {
        riskListAgeMs: age(facts.riskListSyncedAt()),
        trustListAgeMs: age(facts.trustListSyncedAt()),
        statusAgeMs: statusAt === null ? null : Math.max(0, Math.round(clock.monoMs() - statusAt)),
      },
      freeDiskMiB: freeMiB(facts.storeDir),
      devices: { ...facts.health.devices },
    };
  }

  protected async sync(signal: AbortSignal): Promise<void> {
    const outcome = await this.hb.http.request({
      method: 'POST',
      path: '/v1/heartbeat',
      body: this.body(),
      schema: heartbeatResponseSchema,
      timeoutMs: this.hb.requestTimeoutMs ?? 10_000,
      signal,
    });
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
  }
}

function freeMiB(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Math.floor((s.bavail * s.bsize) / 2 ** 20);
  } catch {
    // A heartbeat without the figure is better than none; the fleet view shows it as unknown.
    return null;
  }
}
