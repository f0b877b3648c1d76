import type { PgMigration } from '../migrate.ts';

/**
 * Issue 13, as SQLite's 0080-tracing: role tokens (hash only), the append-only audit (a trigger
 * refuses UPDATE and DELETE; TRUNCATE too), the person registry, and on entries the second
 * identifier and the blind indexes of sealed subjects. Tracing reads entries by their effective
 * time coalesce(corrected_at, recorded_at), so the indexes are on that expression (an entry re-timed
 * by an anchor is found where it really happened). They replace the recorded_at indexes of 0010
 * (tracing was their reason; the venue report reads by effective time too), so ingest keeps the
 * same number of full indexes; the second-identifier and blind ones are partial and hold only rows
 * that have those values. Indexes on the partitioned table cascade to every partition.
 */
export const pgMigration0020: PgMigration = {
  version: 20,
  name: 'tracing',
  sql: `
    CREATE TABLE api_tokens (
      id text PRIMARY KEY,
      hash text NOT NULL UNIQUE,
      role text NOT NULL,
      venue_id text REFERENCES venues(id),
      label text,
      created_at bigint NOT NULL,
      revoked_at bigint
    );
    CREATE TABLE audit_log (
      seq bigserial PRIMARY KEY,
      at bigint NOT NULL,
      actor text NOT NULL,
      role text NOT NULL,
      action text NOT NULL,
      subject_hash text,
      from_ms bigint,
      to_ms bigint,
      result_count integer NOT NULL,
      detail text NOT NULL DEFAULT '{}'
    );
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    CREATE TABLE person_links (
      type text NOT NULL,
      id text NOT NULL,
      person_id text NOT NULL,
      source text NOT NULL,
      PRIMARY KEY (type, id)
    );
    CREATE INDEX person_links_person ON person_links (person_id);
    ALTER TABLE entries ADD COLUMN alt_type text, ADD COLUMN alt_id text, ADD COLUMN blind_index text, ADD COLUMN blind_alt text;
    DROP INDEX entries_venue_time;
    DROP INDEX entries_subject_time;
    CREATE INDEX entries_venue_at ON entries (venue_id, (coalesce(corrected_at, recorded_at)));
    CREATE INDEX entries_subject_at ON entries (subject_type, subject_id, (coalesce(corrected_at, recorded_at))) WHERE subject_id IS NOT NULL;
    CREATE INDEX entries_alt_at ON entries (alt_type, alt_id, (coalesce(corrected_at, recorded_at))) WHERE alt_id IS NOT NULL;
    CREATE INDEX entries_blind_at ON entries (blind_index, (coalesce(corrected_at, recorded_at))) WHERE blind_index IS NOT NULL;
    CREATE INDEX entries_blind_alt_at ON entries (blind_alt, (coalesce(corrected_at, recorded_at))) WHERE blind_alt IS NOT NULL;
  `,
};
