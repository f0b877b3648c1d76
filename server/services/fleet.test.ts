import { describe, expect, it } from 'vitest';
import type { HeartbeatRequest } from '../../common/wire.ts';
import type { FleetDevice } from '../store/deployment.ts';
import { checkHeartbeat, fleetView, silentAfterMsOf } from './fleet.ts';

const NOW = Date.UTC(2021, 9, 15, 3);
const H = 3600_000;
const beat = (over: Partial<HeartbeatRequest> = {}): HeartbeatRequest => ({
  deviceId: 'k1',
  sentAt: NOW,
  clockOffsetMs: 0,
  clockSynced: true,
  appVersion: '0.1.0',
  uptimeS: 60,
  backlog: { pending: 0, oldestPendingAgeMs: null },
  lists: { riskListAgeMs: null, trustListAgeMs: null, statusAgeMs: null },
  freeDiskMiB: 1000,
  devices: { scanner: 'connected', gate: 'connected', camera: 'absent' },
  ...over,
});
const device = { id: 'k1', venueId: 'v', publicKey: 'x', riskKey: Buffer.alloc(0) };

describe('checkHeartbeat', () => {
  it('accepts a kiosk whose clock is off but which knows its offset', () => {
    expect(() => checkHeartbeat(device, beat({ sentAt: NOW - 3 * 365 * 24 * H, clockOffsetMs: 3 * 365 * 24 * H }), NOW)).not.toThrow();
  });
  it('refuses a heartbeat from a clock years off, naming the field', () => {
    expect(() => checkHeartbeat(device, beat({ sentAt: NOW - 3 * 365 * 24 * H }), NOW)).toThrow(/^sentAt: the kiosk's clock \(2018-.*1095 days from the server's/);
  });
  it('refuses a heartbeat naming another device', () => {
    expect(() => checkHeartbeat(device, beat({ deviceId: 'k2' }), NOW)).toThrow(/names device k2 but was signed by k1/);
  });
});

describe('fleetView', () => {
  const base = { name: null, venueName: 'Chợ', location: null, enrolledAt: NOW - 100 * H, revokedAt: null, lastUploadAt: null, lastHeartbeat: null };
  const devices: FleetDevice[] = [
    { ...base, deviceId: 'ok', venueId: 'v1', lastHeartbeat: { ...beat(), receivedAt: NOW - 60_000 } },
    { ...base, deviceId: 'quiet2h', venueId: 'v1', lastUploadAt: NOW - 2 * H },
    { ...base, deviceId: 'quiet5h', venueId: 'v2', lastHeartbeat: { ...beat(), receivedAt: NOW - 5 * H } },
    { ...base, deviceId: 'gone', venueId: 'v2', revokedAt: NOW - H },
  ];

  it('lists the silent ones first, longest silence first, and leaves decommissioned kiosks out', () => {
    const rows = fleetView(devices, NOW, 1 * H);
    expect(rows.map((r) => [r.deviceId, r.isSilent])).toEqual([
      ['quiet5h', true],
      ['quiet2h', true],
      ['ok', false],
    ]);
    expect(rows[0]?.place).toBe('chưa có địa bàn');
  });

  it('takes the silence threshold in hours and refuses nonsense', () => {
    expect(silentAfterMsOf('1')).toBe(H);
    expect(silentAfterMsOf(undefined)).toBe(24 * H);
    expect(() => silentAfterMsOf('-3')).toThrow(/^silent-hours: must be a number of hours/);
    expect(() => silentAfterMsOf('abc')).toThrow(/^silent-hours/);
  });
});
