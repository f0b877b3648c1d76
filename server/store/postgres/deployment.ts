import { KioskError } from '../../../common/errors.ts';
import { heartbeatRequestSchema, type HeartbeatRequest, type VenueKind } from '../../../common/wire.ts';
import type { VenueLocation } from '../../services/admin-units.ts';
import { dayBounds, hourOf, locationOf, type VenueRow } from '../deployment-rows.ts';
import type { DeploymentFigures, DeploymentQuery, DeploymentStore, FleetDevice, HeartbeatPoint, LocatedVenue } from '../deployment.ts';
import type { PgRunner } from './runner.ts';


/**
 * The deployment queries on PostgreSQL (schema: migrations/0030-deployment.ts). Entries per commune
 * and day come from the daily roll-up of migration 0050, never from the entries themselves.
 */
export class PostgresDeployment implements DeploymentStore {
  private readonly db: PgRunner;

  constructor(db: PgRunner) {
    this.db = db;
  }

  async setVenueLocation(venueId: string, location: VenueLocation): Promise<void> {
    const n = await this.db.tx(
      async (c) =>
        (await c.query('UPDATE venues SET province_code = $1, district_code = $2, commune_code = $3 WHERE id = $4', [location.provinceCode, location.districtCode, location.communeCode, venueId]))
          .rowCount ?? 0,
    );
    if (n === 0) throw new KioskError('not-found', `venue ${venueId} does not exist`);
  }

  async venues(filter: { provinceCode?: string } = {}): Promise<LocatedVenue[]> {
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<VenueRow>(
            'SELECT id, name, kind, province_code, district_code, commune_code FROM venues WHERE ($1::text IS NULL OR province_code = $1) ORDER BY created_at, id',
            [filter.provinceCode ?? null],
          )
        ).rows,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, location: locationOf(r) }));
  }

  async recordHeartbeat(deviceId: string, receivedAt: number, hb: HeartbeatRequest): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO heartbeats_latest (device_id, received_at, body) VALUES ($1, $2, $3)
         ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, body = excluded.body`,
        [deviceId, receivedAt, JSON.stringify(hb)],
      );
      await c.query(
        `INSERT INTO heartbeat_history AS h (device_id, hour, received_at, pending, oldest_pending_age_ms, free_disk_mib, clock_offset_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (device_id, hour) DO UPDATE SET received_at = excluded.received_at, pending = excluded.pending,
           oldest_pending_age_ms = CASE WHEN h.oldest_pending_age_ms IS NULL THEN excluded.oldest_pending_age_ms
             WHEN excluded.oldest_pending_age_ms IS NULL THEN h.oldest_pending_age_ms
             ELSE greatest(h.oldest_pending_age_ms, excluded.oldest_pending_age_ms) END,
           free_disk_mib = excluded.free_disk_mib, clock_offset_ms = excluded.clock_offset_ms`,
        [deviceId, hourOf(receivedAt), receivedAt, hb.backlog.pending, hb.backlog.oldestPendingAgeMs, hb.freeDiskMiB, hb.clockOffsetMs],
      );
    });
  }

  async fleet(filter: { provinceCode?: string } = {}): Promise<FleetDevice[]> {
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<
            Pick<VenueRow, 'province_code' | 'district_code' | 'commune_code'> & {
              device_id: string;
              name: string | null;
              venue_id: string;
              venue_name: string;
              enrolled_at: number;
              revoked_at: number | null;
              last_upload_at: number | null;
              heartbeat_at: number | null;
              heartbeat_body: string | null;
            }
          >(
            `SELECT d.id AS device_id, d.name, d.venue_id, v.name AS venue_name, v.province_code, v.district_code, v.commune_code,
               d.enrolled_at, d.revoked_at,
               (SELECT max(b.received_at) FROM batches b WHERE b.device_id = d.id) AS last_upload_at,
               h.received_at AS heartbeat_at, h.body AS heartbeat_body
             FROM devices d JOIN venues v ON v.id = d.venue_id
             LEFT JOIN heartbeats_latest h ON h.device_id = d.id
             WHERE ($1::text IS NULL OR v.province_code = $1)
             ORDER BY d.enrolled_at, d.id`,
            [filter.provinceCode ?? null],
          )
        ).rows,
    );
    return rows.map((r) => ({
      deviceId: r.device_id,
      name: r.name,
      venueId: r.venue_id,
      venueName: r.venue_name,
      location: locationOf(r),
      enrolledAt: r.enrolled_at,
      revokedAt: r.revoked_at,
      lastUploadAt: r.last_upload_at,
      lastHeartbeat: r.heartbeat_body === null || r.heartbeat_at === null ? null : { ...heartbeatRequestSchema.parse(JSON.parse(r.heartbeat_body)), receivedAt: r.heartbeat_at },
    }));
  }

  async heartbeatHistory(deviceId: string, limit: number): Promise<HeartbeatPoint[]> {
    return this.db.read(
      async (c) =>
        (
          await c.query<HeartbeatPoint>(
            `SELECT received_at AS "receivedAt", pending, oldest_pending_age_ms AS "oldestPendingAgeMs", free_disk_mib AS "freeDiskMiB", clock_offset_ms AS "clockOffsetMs"
             FROM heartbeat_history WHERE device_id = $1 ORDER BY received_at DESC LIMIT $2`,
            [deviceId, limit],
          )
        ).rows,
    );
  }

  async pruneHeartbeats(beforeMs: number): Promise<number> {
    return this.db.tx(async (c) => (await c.query('DELETE FROM heartbeat_history WHERE received_at < $1', [beforeMs])).rowCount ?? 0);
  }

  async deploymentFigures(q: DeploymentQuery): Promise<DeploymentFigures> {
    const area = 'v.province_code = $1 AND ($2::text IS NULL OR v.district_code = $2)';
    const params = [q.provinceCode, q.districtCode ?? null];
    return this.db.read(async (c) => {
      const venues = (
        await c.query<{ venueId: string; kind: VenueKind; communeCode: string; districtCode: string }>(
          `SELECT v.id AS "venueId", v.kind, v.commune_code AS "communeCode", v.district_code AS "districtCode" FROM venues v WHERE ${area} ORDER BY v.id`,
          params,
        )
      ).rows;
      const uploadedVenueIds = (
        await c.query<{ venue_id: string }>(
          `SELECT DISTINCT d.venue_id FROM devices d JOIN venues v ON v.id = d.venue_id
           WHERE ${area} AND EXISTS (SELECT 1 FROM batches b WHERE b.device_id = d.id AND b.received_at >= $3 AND b.received_at < $4)`,
          [...params, q.fromMs, q.toMs],
        )
      ).rows.map((r) => r.venue_id);
      // From the daily roll-up (migration 0050): kiosks × days rows, whatever the number of entries.
      const entriesPerDay = (
        await c.query<{ communeCode: string; date: string; entries: number }>(
          `SELECT v.commune_code AS "communeCode", to_char(date '1970-01-01' + r.day, 'YYYY-MM-DD') AS date, sum(r.entries) AS entries
           FROM venues v JOIN entry_day_counts r ON r.venue_id = v.id
           WHERE ${area} AND r.day >= $3 AND r.day < $4
           GROUP BY 1, 2 HAVING sum(r.entries) > 0 ORDER BY 1, 2`,
          [...params, ...dayBounds(q)],
        )
      ).rows;
      const devices = (
        await c.query<{ deviceId: string; venueId: string; communeCode: string; enrolledAt: number; revokedAt: number | null; lastContactAt: number | null; maxBacklogAgeMs: number | null }>(
          `SELECT d.id AS "deviceId", d.venue_id AS "venueId", v.commune_code AS "communeCode", d.enrolled_at AS "enrolledAt", d.revoked_at AS "revokedAt",
             greatest(
               (SELECT max(b.received_at) FROM batches b WHERE b.device_id = d.id AND b.received_at < $3),
               (SELECT h.received_at FROM heartbeat_history h WHERE h.device_id = d.id AND h.hour <= $5 AND h.received_at < $3 ORDER BY h.hour DESC LIMIT 1),
               (SELECT l.received_at FROM heartbeats_latest l WHERE l.device_id = d.id AND l.received_at < $3)
             ) AS "lastContactAt",
             (SELECT max(h.oldest_pending_age_ms) FROM heartbeat_history h
               WHERE h.device_id = d.id AND h.hour BETWEEN $6 AND $5 AND h.received_at >= $4 AND h.received_at < $3) AS "maxBacklogAgeMs"
           FROM devices d JOIN venues v ON v.id = d.venue_id
           WHERE ${area} AND d.enrolled_at < $3
           ORDER BY d.id`,
          // Hour bounds keep each device's history on its primary key (device, hour): by received_at
          // alone the planner walked the whole month's history once per device (59 s for 1,000 kiosks).
          [...params, q.toMs, q.fromMs, hourOf(q.toMs), hourOf(q.fromMs)],
        )
      ).rows;
      const unlocatedVenues = Number((await c.query<{ n: number }>('SELECT count(*) AS n FROM venues WHERE commune_code IS NULL')).rows[0]?.n ?? 0);
      return { venues, uploadedVenueIds, entriesPerDay, devices, unlocatedVenues };
    });
  }
}
