import type { PgMigration } from '../migrate.ts';

/**
 * The whole schema of the SQLite engine's migrations 0010–0070 in one step: PostgreSQL starts with
 * issue 12, so it has no history to replay. Times are bigint milliseconds as in the API.
 *
 * - `entries` is partitioned by Vietnam day on `recorded_at` (the kiosk's clock) so retention drops
 *   whole tables; the DEFAULT partition catches impossible kiosk clocks (years ahead or behind)
 *   until maintenance makes their day's partition. Its primary key must hold the partition key,
 *   hence (entry_id, recorded_at): a kiosk re-sends an entry unchanged, so idempotency holds.
 * - `entry_id`/`batch_id` are uuid (16 bytes instead of 37 as text). Fixed-width columns come first
 *   so alignment padding is not paid per row.
 * - `nonces` is UNLOGGED: losing them in a crash reopens a replay window of minutes for requests
 *   that are idempotent anyway, and they are written on every signed request.
 */
export const pgMigration0010: PgMigration = {
  version: 10,
  name: 'initial',
  sql: `
    CREATE TABLE venues (
      id text PRIMARY KEY,
      name text NOT NULL,
      kind text NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE TABLE enrollment_codes (
      code text PRIMARY KEY,
      venue_id text NOT NULL REFERENCES venues(id),
      created_at bigint NOT NULL,
      expires_at bigint NOT NULL,
      used_at bigint,
      device_id text
    );
    CREATE TABLE devices (
      id text PRIMARY KEY,
      venue_id text NOT NULL REFERENCES venues(id),
      public_key text NOT NULL UNIQUE,
      name text,
      risk_key bytea NOT NULL,
      enrolled_at bigint NOT NULL,
      last_seen_at bigint,
      revoked_at bigint
    );

    CREATE TABLE entries (
      recorded_at bigint NOT NULL,
      received_at bigint NOT NULL,
      seq bigint NOT NULL,
      mono_ms double precision NOT NULL,
      latency_ms double precision NOT NULL,
      data_age_ms bigint,
      corrected_at bigint,
      passage_at bigint,
      entry_id uuid NOT NULL,
      batch_id uuid NOT NULL,
      clock_synced boolean NOT NULL,
      device_id text NOT NULL,
      venue_id text NOT NULL,
      boot_id text NOT NULL,
      direction text NOT NULL,
      format text NOT NULL,
      verdict text NOT NULL,
      reasons text NOT NULL,
      source text NOT NULL,
      status text NOT NULL,
      subject_type text,
      subject_id text,
      sealed_subject text,
      passage text,
      PRIMARY KEY (entry_id, recorded_at)
    ) PARTITION BY RANGE (recorded_at);
    CREATE TABLE entries_default PARTITION OF entries DEFAULT;
    -- gaps and per-device listings
    CREATE INDEX entries_device_seq ON entries (device_id, seq);
    -- tracing: who was at this venue around this time
    CREATE INDEX entries_venue_time ON entries (venue_id, recorded_at);
    -- tracing: where was this person; sealed subjects (null id) are not traceable here
    CREATE INDEX entries_subject_time ON entries (subject_type, subject_id, recorded_at) WHERE subject_id IS NOT NULL;
    -- time anchors re-time one boot's entries recorded with an unsynchronised clock
    CREATE INDEX entries_device_boot ON entries (device_id, boot_id) WHERE NOT clock_synced;

    CREATE TABLE batches (
      batch_id uuid PRIMARY KEY,
      device_id text NOT NULL,
      received_at bigint NOT NULL,
      count integer NOT NULL,
      accepted integer NOT NULL,
      duplicates integer NOT NULL
    );
    CREATE TABLE seq_ranges (
      device_id text NOT NULL,
      from_seq bigint NOT NULL,
      to_seq bigint NOT NULL,
      PRIMARY KEY (device_id, from_seq)
    );
    CREATE UNLOGGED TABLE nonces (
      device_id text NOT NULL,
      nonce text NOT NULL,
      expires_at bigint NOT NULL,
      PRIMARY KEY (device_id, nonce)
    );
    CREATE INDEX nonces_expiry ON nonces (expires_at);
    CREATE TABLE subjects (
      type text NOT NULL,
      id text NOT NULL,
      status text NOT NULL,
      flags text NOT NULL DEFAULT '',
      declared_at bigint,
      updated_at bigint NOT NULL,
      PRIMARY KEY (type, id)
    );
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

    CREATE TABLE risk_list (hash bytea PRIMARY KEY);
    CREATE TABLE risk_changes (
      seq bigserial PRIMARY KEY,
      hash bytea NOT NULL,
      is_added boolean NOT NULL,
      at bigint NOT NULL
    );

    CREATE TABLE trust_list (
      thumbprint text PRIMARY KEY,
      kid text NOT NULL,
      country text NOT NULL,
      raw_data text NOT NULL,
      certificate_type text NOT NULL DEFAULT 'DSC',
      added_version integer NOT NULL,
      removed_version integer
    );
    INSERT INTO meta (key, value) VALUES ('trust_version', '0'), ('value_sets', ''), ('value_sets_version', '0');

    CREATE TABLE rate_limits (
      key text PRIMARY KEY,
      window_start bigint NOT NULL,
      count integer NOT NULL
    );
  `,
};
