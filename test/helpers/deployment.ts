import { randomUUID } from 'node:crypto';
import type { HeartbeatRequest, VenueKind, WireEntry } from '../../common/wire.ts';
import { adminUnits } from '../../server/services/admin-units.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { wireEntry as entryOf } from './entries.ts';
import { enrollDevice, type EnrolledDevice } from './server.ts';

/** A store whose clock the test moves (batches and heartbeats are stamped with it). */
export interface MovableClock {
  t: number;
}

const VN = 7 * 3600_000;
/** A Vietnam wall time as UTC ms: vn(2021, 10, 1, 8) is 1 October 2021, 08:00 in Huế. */
export const vn = (y: number, m: number, d: number, h = 0, min = 0): number => Date.UTC(y, m - 1, d, h, min) - VN;

export const wireEntry = (seq: number, recordedAt: number, direction: 'in' | 'out' = 'in', subjectId = `0793030${String(seq).padStart(5, '0')}`): WireEntry =>
  entryOf(seq, { recordedAt, direction, subject: { type: 'cccd', id: subjectId }, monoMs: seq * 1000 });

export function heartbeat(deviceId: string, sentAt: number, over: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    deviceId,
    sentAt,
    clockOffsetMs: 0,
    clockSynced: true,
    appVersion: '0.1.0',
    uptimeS: 3600,
    backlog: { pending: 0, oldestPendingAgeMs: null },
    lists: { riskListAgeMs: 60_000, trustListAgeMs: 3_600_000, statusAgeMs: 5_000 },
    freeDiskMiB: 2048,
    devices: { scanner: 'connected', gate: 'connected', camera: 'absent' },
    ...over,
  };
}

/** Makes a located venue with one enrolled kiosk. */
export async function locatedKiosk(store: ServerStore, name: string, kind: VenueKind, commune: string | null): Promise<EnrolledDevice> {
  const d = await enrollDevice(store);
  await renameVenue(store, d.venueId, name, kind);
  if (commune !== null) await store.deployment.setVenueLocation(d.venueId, adminUnits().locate({ commune }));
  return d;
}

/** enrollDevice makes "Test venue" (hospital); tests want their own names and kinds. */
async function renameVenue(store: ServerStore, venueId: string, name: string, kind: VenueKind): Promise<void> {
  const db = (store as unknown as { db?: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db;
  db?.prepare('UPDATE venues SET name = ?, kind = ? WHERE id = ?').run(name, kind, venueId);
}

/** Uploads entries as one batch received at `at` (the store's clock is moved there). */
export async function upload(store: ServerStore, clock: MovableClock, device: EnrolledDevice, entries: WireEntry[], at: number): Promise<void> {
  clock.t = at;
  const stored = await store.device(device.deviceId);
  if (!stored) throw new Error('device missing');
  await store.ingestBatch(stored, { batchId: randomUUID(), deviceId: device.deviceId, entries, timeAnchors: [] });
}

/**
 * Thừa Thiên Huế (46) in October 2021: what the deployment report must count, and the traps it
 * must not count (another province, an exit, entries just outside the month, a venue without a
 * location). `expected` is keyed by commune code.
 */
export async function seedHue(store: ServerStore, clock: MovableClock): Promise<{
  expected: Record<string, { venues: number; venuesUploaded: number; kiosks: number; silentKiosks: number; entries: number; perDay: Record<string, number> }>;
  devices: Record<string, EnrolledDevice>;
}> {
  clock.t = vn(2021, 9, 20);
  const market = await locatedKiosk(store, 'Chợ Đông Ba', 'market', '19744');
  const hospital = await locatedKiosk(store, 'Bệnh viện Trung ương Huế', 'hospital', '19744');
  const school = await locatedKiosk(store, 'Trường THPT Quốc Học', 'school', '19747');
  const rural = await locatedKiosk(store, 'Chợ Phong Điền', 'market', '19819');
  const hanoi = await locatedKiosk(store, 'Chợ Đồng Xuân', 'market', '00001');
  await locatedKiosk(store, 'Quán cũ', 'other', null);

  await upload(store, clock, market, [wireEntry(1, vn(2021, 10, 1, 8)), wireEntry(2, vn(2021, 10, 1, 9)), wireEntry(3, vn(2021, 10, 1, 10)), wireEntry(4, vn(2021, 10, 1, 10, 5), 'out')], vn(2021, 10, 1, 11));
  await upload(store, clock, market, [wireEntry(5, vn(2021, 10, 15, 7)), wireEntry(6, vn(2021, 10, 15, 18))], vn(2021, 10, 31, 20));
  // The hospital's kiosk delivered in September only: silent at the end of October.
  await upload(store, clock, hospital, [wireEntry(1, vn(2021, 9, 25, 8))], vn(2021, 9, 25, 9));
  // The school: one entry the last evening, one a minute after the month, one a minute before it.
  await upload(store, clock, school, [wireEntry(1, vn(2021, 9, 30, 23, 59)), wireEntry(2, vn(2021, 10, 31, 23, 30)), wireEntry(3, vn(2021, 11, 1, 0, 1))], vn(2021, 10, 31, 23, 45));
  await upload(store, clock, rural, [wireEntry(1, vn(2021, 10, 20, 12))], vn(2021, 10, 20, 13));
  // Backlog reported by the rural kiosk's heartbeat: its oldest un-uploaded entry was 5 h old.
  await store.deployment.recordHeartbeat(rural.deviceId, vn(2021, 10, 31, 22), heartbeat(rural.deviceId, vn(2021, 10, 31, 22), { backlog: { pending: 12, oldestPendingAgeMs: 5 * 3600_000 } }));
  await upload(store, clock, hanoi, [wireEntry(1, vn(2021, 10, 10, 8))], vn(2021, 10, 10, 9));

  return {
    devices: { market, hospital, school, rural, hanoi },
    expected: {
      '19744': { venues: 2, venuesUploaded: 1, kiosks: 2, silentKiosks: 1, entries: 5, perDay: { '2021-10-01': 3, '2021-10-15': 2 } },
      '19747': { venues: 1, venuesUploaded: 1, kiosks: 1, silentKiosks: 0, entries: 1, perDay: { '2021-10-31': 1 } },
      '19819': { venues: 1, venuesUploaded: 1, kiosks: 1, silentKiosks: 0, entries: 1, perDay: { '2021-10-20': 1 } },
    },
  };
}

export interface ConsoleSeed {
  caseId: string;
  contactId: string;
  strangerId: string;
  marketVenueId: string;
  otherVenueId: string;
}

/**
 * What the console's browser tests need: Huế's October as above, plus a case and a contact at the
 * market on 5 October, a stranger at the school the same morning, and a kiosk whose venue has a
 * hostile name (never heard from: silent).
 */
export async function seedConsole(store: ServerStore, clock: MovableClock): Promise<ConsoleSeed> {
  const { devices } = await seedHue(store, clock);
  const market = devices.market as EnrolledDevice;
  const school = devices.school as EnrolledDevice;
  const ids = { caseId: '079303009001', contactId: '079303009002', strangerId: '079303009003' };
  await upload(store, clock, market, [wireEntry(7, vn(2021, 10, 5, 8), 'in', ids.caseId), wireEntry(8, vn(2021, 10, 5, 8, 10), 'in', ids.contactId)], vn(2021, 10, 5, 9));
  await upload(store, clock, school, [wireEntry(4, vn(2021, 10, 5, 8, 5), 'in', ids.strangerId)], vn(2021, 10, 5, 9));
  clock.t = vn(2021, 10, 6);
  await locatedKiosk(store, '<img src=x onerror=alert(1)>', 'other', '19750');
  return { ...ids, marketVenueId: market.venueId, otherVenueId: school.venueId };
}
