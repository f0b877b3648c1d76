import { KioskError } from '../../common/errors.ts';
import { MAX_CLOCK_SKEW_MS, type HeartbeatRequest } from '../../common/wire.ts';
import type { FleetDevice } from '../store/deployment.ts';
import type { Device } from '../store/store.ts';
import { describeLocation } from './deployment.ts';

/**
 * Fleet health (issue 14): what the ICT department needs to chase kiosks that stopped reporting.
 * Rules only; the store keeps the latest heartbeat per device and a compact history.
 */

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5 * 60_000;
/** History older than this is dropped by the server's hourly housekeeping. */
export const HEARTBEAT_HISTORY_DAYS = 62;

/**
 * Refuses a heartbeat that cannot be true. The kiosk says what its clock reads and what offset to
 * the server's clock it learnt; the two together must agree with our clock (as the signed timestamp
 * does). A kiosk whose clock is years off and does not know it is told so, instead of filling the
 * fleet view with a fictitious offset.
 */
export function checkHeartbeat(device: Device, hb: HeartbeatRequest, now: number): void {
  if (hb.deviceId !== device.id) throw new KioskError('forbidden', `heartbeat names device ${hb.deviceId} but was signed by ${device.id}`);
  const believed = hb.sentAt + hb.clockOffsetMs;
  if (Math.abs(believed - now) > MAX_CLOCK_SKEW_MS) {
    const days = Math.round(Math.abs(hb.sentAt - now) / 86_400_000);
    throw new KioskError(
      'bad-request',
      `sentAt: the kiosk's clock (${new Date(hb.sentAt).toISOString()}, ${days} days from the server's) and its clockOffsetMs disagree with the server clock; check the kiosk's time (NTP) and restart it`,
      { details: { field: 'sentAt' } },
    );
  }
}

export interface FleetRow {
  deviceId: string;
  name: string | null;
  venueId: string;
  venueName: string;
  provinceCode: string | null;
  /** The venue's commune, district and province, or "chưa có địa bàn". */
  place: string;
  /** Latest heartbeat or batch; null: never heard from since enrollment. */
  lastSeenAt: number | null;
  lastHeartbeatAt: number | null;
  lastUploadAt: number | null;
  /** How long the kiosk has been quiet (since enrollment when never heard from). */
  silentForMs: number;
  isSilent: boolean;
  heartbeat: (HeartbeatRequest & { receivedAt: number }) | null;
}

/** Devices in service, the silent ones first (longest silence first), then the others by venue. */
export function fleetView(devices: readonly FleetDevice[], now: number, silentAfterMs: number): FleetRow[] {
  const rows = devices
    .filter((d) => d.revokedAt === null)
    .map((d): FleetRow => {
      const heard = [d.lastHeartbeat?.receivedAt, d.lastUploadAt].filter((t): t is number => typeof t === 'number');
      const lastSeenAt = heard.length ? Math.max(...heard) : null;
      const silentForMs = Math.max(0, now - (lastSeenAt ?? d.enrolledAt));
      return {
        deviceId: d.deviceId,
        name: d.name,
        venueId: d.venueId,
        venueName: d.venueName,
        provinceCode: d.location?.provinceCode ?? null,
        place: describeLocation(d.location),
        lastSeenAt,
        lastHeartbeatAt: d.lastHeartbeat?.receivedAt ?? null,
        lastUploadAt: d.lastUploadAt,
        silentForMs,
        isSilent: silentForMs > silentAfterMs,
        heartbeat: d.lastHeartbeat,
      };
    });
  return rows.sort((a, b) => Number(b.isSilent) - Number(a.isSilent) || (a.isSilent ? b.silentForMs - a.silentForMs : a.venueName.localeCompare(b.venueName, 'vi') || a.deviceId.localeCompare(b.deviceId)));
}

/** `--silent-hours H` / `silentHours=H`: a positive number of hours, at most a year. */
export function silentAfterMsOf(hours: string | number | undefined): number {
  if (hours === undefined) return 24 * 3600_000;
  const h = Number(hours);
  if (!Number.isFinite(h) || h <= 0 || h > 8760) throw new KioskError('bad-request', `silent-hours: must be a number of hours from 0 to 8760, got "${String(hours).slice(0, 20)}"`, { details: { field: 'silentHours' } });
  return h * 3600_000;
}
