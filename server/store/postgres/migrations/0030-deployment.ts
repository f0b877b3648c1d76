import type { PgMigration } from '../migrate.ts';

/**
 * Issue 14, as SQLite's 0090-deployment (the next free number here after 0020-tracing): where venues are (codes of the 2021 register; NULL for
 * venues made before, reported as "chưa có địa bàn"), each device's latest heartbeat, and a compact
 * heartbeat history (one row per device and hour, pruned by age).
 */
export const pgMigration0030: PgMigration = {
  version: 30,
  name: 'deployment',
  sql: `
    ALTER TABLE venues ADD COLUMN province_code text, ADD COLUMN district_code text, ADD COLUMN commune_code text;
    -- The deployment report reads one province (and one district) at a time.
    CREATE INDEX venues_location ON venues (province_code, district_code, commune_code) WHERE province_code IS NOT NULL;
    -- The report counts a province's entries per venue and day: the venue + time index also carries
    -- direction and corrected time, so an index-only scan counts them (same name and key columns:
    -- every query that used it still does).
    DROP INDEX IF EXISTS entries_venue_time;
    CREATE INDEX entries_venue_time ON entries (venue_id, recorded_at) INCLUDE (direction, corrected_at);
    -- "Kiosks that uploaded in the month" reads batches by device and time.
    CREATE INDEX batches_device_time ON batches (device_id, received_at);
    CREATE TABLE heartbeats_latest (
      device_id text PRIMARY KEY REFERENCES devices(id),
      received_at bigint NOT NULL,
      body text NOT NULL
    );
    CREATE TABLE heartbeat_history (
      device_id text NOT NULL,
      hour bigint NOT NULL,
      received_at bigint NOT NULL,
      pending bigint NOT NULL,
      oldest_pending_age_ms bigint,
      free_disk_mib bigint,
      clock_offset_ms bigint NOT NULL,
      PRIMARY KEY (device_id, hour)
    );
    CREATE INDEX heartbeat_history_time ON heartbeat_history (received_at);
  `,
};
