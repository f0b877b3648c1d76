import type Database from 'better-sqlite3';
import { KioskError } from '../../../common/errors.ts';
import { heartbeatRequestSchema, type HeartbeatRequest } from '../../../common/wire.ts';
import type { VenueLocation } from '../../services/admin-units.ts';
import { dayBounds, hourOf, locationOf, type VenueRow } from '../deployment-rows.ts';
import type { DeploymentFigures, DeploymentQuery, DeploymentStore, FleetDevice, HeartbeatPoint, LocatedVenue } from '../deployment.ts';


/** The deployment queries on SQLite (schema: migrations/0090-deployment.ts; entries per day from 0100-day-counts.ts). */
export class SqliteDeployment implements DeploymentStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async setVenueLocation(venueId: string, location: VenueLocation): Promise<void> {
    const n = this.db
      .prepare('UPDATE venues SET province_code = ?, district_code = ?, commune_code = ? WHERE id = ?')
      .run(location.provinceCode, location.districtCode, location.communeCode, venueId).changes;
    if (n === 0) throw new KioskError('not-found', `venue ${venueId} does not exist`);
  }

  async venues(filter: { provinceCode?: string } = {}): Promise<LocatedVenue[]> {
    const rows = (
      filter.provinceCode === undefined
        ? this.db.prepare('SELECT id, name, kind, province_code, district_code, commune_code FROM venues ORDER BY created_at, id').all()
        : this.db.prepare('SELECT id, name, kind, province_code, district_code, commune_code FROM venues WHERE province_code = ? ORDER BY created_at, id').all(filter.provinceCode)
    ) as VenueRow[];
    return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, location: locationOf(r) }));
  }

  async recordHeartbeat(deviceId: string, receivedAt: number, hb: HeartbeatRequest): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO heartbeats_latest (device_id, received_at, body) VALUES (?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, body = excluded.body`,
        )
        .run(deviceId, receivedAt, JSON.stringify(hb));
      this.db
        .prepare(
          `INSERT INTO heartbeat_history (device_id, hour, received_at, pending, oldest_pending_age_ms, free_disk_mib, clock_offset_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (device_id, hour) DO UPDATE SET received_at = excluded.received_at, pending = excluded.pending,
             oldest_pending_age_ms = CASE WHEN oldest_pending_age_ms IS NULL THEN excluded.oldest_pending_age_ms
               WHEN excluded.oldest_pending_age_ms IS NULL THEN oldest_pending_age_ms
               ELSE max(oldest_pending_age_ms, excluded.oldest_pending_age_ms) END,
             free_disk_mib = excluded.free_disk_mib, clock_offset_ms = excluded.clock_offset_ms`,
        )
        .run(deviceId, hourOf(receivedAt), receivedAt, hb.backlog.pending, hb.backlog.oldestPendingAgeMs, hb.freeDiskMiB, hb.clockOffsetMs);
    })();
  }

  async fleet(filter: { provinceCode?: string } = {}): Promise<FleetDevice[]> {
    const rows = this.db
      .prepare(
        `SELECT d.id AS deviceId, d.name, d.venue_id AS venueId, v.name AS venueName, v.province_code, v.district_code, v.commune_code,
           d.enrolled_at AS enrolledAt, d.revoked_at AS revokedAt,
           (SELECT max(b.received_at) FROM batches b WHERE b.device_id = d.id) AS lastUploadAt,
           h.received_at AS heartbeatAt, h.body AS heartbeatBody
         FROM devices d JOIN venues v ON v.id = d.venue_id
         LEFT JOIN heartbeats_latest h ON h.device_id = d.id
         WHERE (? IS NULL OR v.province_code = ?)
         ORDER BY d.enrolled_at, d.id`,
      )
      .all(filter.provinceCode ?? null, filter.provinceCode ?? null) as Array<
      Pick<VenueRow, 'province_code' | 'district_code' | 'commune_code'> & {
        deviceId: string;
        name: string | null;
        venueId: string;
        venueName: string;
        enrolledAt: number;
        revokedAt: number | null;
        lastUploadAt: number | null;
        heartbeatAt: number | null;
        heartbeatBody: string | null;
      }
    >;
    return rows.map((r) => ({
      deviceId: r.deviceId,
      name: r.name,
      venueId: r.venueId,
      venueName: r.venueName,
      location: locationOf(r),
      enrolledAt: r.enrolledAt,
      revokedAt: r.revokedAt,
      lastUploadAt: r.lastUploadAt,
      lastHeartbeat: r.heartbeatBody === null || r.heartbeatAt === null ? null : { ...heartbeatRequestSchema.parse(JSON.parse(r.heartbeatBody)), receivedAt: r.heartbeatAt },
    }));
  }

  async heartbeatHistory(deviceId: string, limit: number): Promise<HeartbeatPoint[]> {
    return this.db
      .prepare(
        `SELECT received_at AS receivedAt, pending, oldest_pending_age_ms AS oldestPendingAgeMs, free_disk_mib AS freeDiskMiB, clock_offset_ms AS clockOffsetMs
         FROM heartbeat_history WHERE device_id = ? ORDER BY received_at DESC LIMIT ?`,
      )
      .all(deviceId, limit) as HeartbeatPoint[];
  }

  async pruneHeartbeats(beforeMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM heartbeat_history WHERE received_at < ?').run(beforeMs).changes;
  }

  async deploymentFigures(q: DeploymentQuery): Promise<DeploymentFigures> {
    const district = q.districtCode ?? null;
    const inArea = 'v.province_code = ? AND (? IS NULL OR v.district_code = ?)';
    const area = [q.provinceCode, district, district];
    const venues = this.db
      .prepare(`SELECT v.id AS venueId, v.kind, v.commune_code AS communeCode, v.district_code AS districtCode FROM venues v WHERE ${inArea} ORDER BY v.id`)
      .all(...area) as DeploymentFigures['venues'];
    const uploadedVenueIds = (
      this.db
        .prepare(
          `SELECT DISTINCT d.venue_id AS venueId FROM devices d JOIN venues v ON v.id = d.venue_id
           WHERE ${inArea} AND EXISTS (SELECT 1 FROM batches b WHERE b.device_id = d.id AND b.received_at >= ? AND b.received_at < ?)`,
        )
        .all(...area, q.fromMs, q.toMs) as Array<{ venueId: string }>
    ).map((r) => r.venueId);
    // From the daily roll-up (migration 0100): kiosks × days rows, whatever the number of entries.
    const [fromDay, toDay] = dayBounds(q);
    const entriesPerDay = this.db
      .prepare(
        `SELECT v.commune_code AS communeCode, date(r.day * 86400, 'unixepoch') AS date, sum(r.entries) AS entries
         FROM venues v JOIN entry_day_counts r ON r.venue_id = v.id
         WHERE ${inArea} AND r.day >= ? AND r.day < ?
         GROUP BY 1, 2 HAVING sum(r.entries) > 0 ORDER BY 1, 2`,
      )
      .all(...area, fromDay, toDay) as DeploymentFigures['entriesPerDay'];
    const devices = this.db
      .prepare(
        `SELECT d.id AS deviceId, d.venue_id AS venueId, v.commune_code AS communeCode, d.enrolled_at AS enrolledAt, d.revoked_at AS revokedAt,
           max(
             coalesce((SELECT max(b.received_at) FROM batches b WHERE b.device_id = d.id AND b.received_at < ?), -1),
             coalesce((SELECT h.received_at FROM heartbeat_history h WHERE h.device_id = d.id AND h.hour <= ? AND h.received_at < ? ORDER BY h.hour DESC LIMIT 1), -1),
             coalesce((SELECT l.received_at FROM heartbeats_latest l WHERE l.device_id = d.id AND l.received_at < ?), -1)
           ) AS lastContactAt,
           (SELECT max(h.oldest_pending_age_ms) FROM heartbeat_history h WHERE h.device_id = d.id AND h.hour BETWEEN ? AND ? AND h.received_at >= ? AND h.received_at < ?) AS maxBacklogAgeMs
         FROM devices d JOIN venues v ON v.id = d.venue_id
         WHERE ${inArea} AND d.enrolled_at < ?
         ORDER BY d.id`,
      )
            // Hour bounds let the history's primary key (device, hour) narrow each device's rows.
      .all(q.toMs, hourOf(q.toMs), q.toMs, q.toMs, hourOf(q.fromMs), hourOf(q.toMs), q.fromMs, q.toMs, ...area, q.toMs) as DeploymentFigures['devices'];
    for (const d of devices) if (d.lastContactAt === -1) d.lastContactAt = null;
    const unlocatedVenues = (this.db.prepare('SELECT count(*) AS n FROM venues WHERE commune_code IS NULL').get() as { n: number }).n;
    return { venues, uploadedVenueIds, entriesPerDay, devices, unlocatedVenues };
  }
}
