import type { PgMigration } from '../migrate.ts';

/**
 * One batch in one round trip. Ingest used to send about ten statements per batch (BEGIN, claim,
 * device, entries, counts, read/delete/write the seq ranges, anchors, read the ranges, COMMIT); at
 * thousands of batches a second the round trips, not the rows, were the cost. The function runs the
 * same steps in the same order inside the database. It is VOLATILE, so under READ COMMITTED each
 * statement takes a fresh snapshot: the seq ranges are read after the device row is locked, and a
 * second copy of a batch that waited on the claim sees it as replayed, as before.
 */
export const pgMigration0040: PgMigration = {
  version: 40,
  name: 'ingest-function',
  sql: `
    CREATE FUNCTION kiosk_ingest_batch(
      p_batch_id uuid, p_device_id text, p_venue_id text, p_now bigint, p_count integer,
      p_entry_id uuid[], p_seq bigint[], p_recorded_at bigint[], p_boot_id text[], p_mono_ms float8[], p_clock_synced boolean[],
      p_direction text[], p_format text[], p_verdict text[], p_reasons text[], p_source text[], p_status text[],
      p_subject_type text[], p_subject_id text[], p_data_age_ms bigint[], p_latency_ms float8[], p_corrected_at bigint[],
      p_sealed_subject text[], p_alt_type text[], p_alt_id text[], p_blind_index text[], p_blind_alt text[],
      p_run_from bigint[], p_run_to bigint[],
      p_anchor_boot text[], p_anchor_mono float8[], p_anchor_wall bigint[],
      OUT accepted integer, OUT replayed boolean, OUT range_from bigint[], OUT range_to bigint[])
    LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      merged_from bigint[];
      merged_to bigint[];
    BEGIN
      -- First, so a concurrent copy of this batch waits on the unique index and then sees it as replayed.
      INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates)
        VALUES (p_batch_id, p_device_id, p_now, p_count, 0, 0) ON CONFLICT DO NOTHING;
      replayed := NOT FOUND;
      accepted := 0;
      IF NOT replayed THEN
        -- The device row lock serialises one device's batches: its seq ranges are read and rewritten safely.
        UPDATE devices SET last_seen_at = p_now WHERE id = p_device_id;
        INSERT INTO entries (device_id, venue_id, batch_id, received_at, entry_id, seq, recorded_at, boot_id, mono_ms, clock_synced,
            direction, format, verdict, reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms, corrected_at,
            sealed_subject, alt_type, alt_id, blind_index, blind_alt)
          SELECT p_device_id, p_venue_id, p_batch_id, p_now, u.*
          FROM unnest(p_entry_id, p_seq, p_recorded_at, p_boot_id, p_mono_ms, p_clock_synced, p_direction, p_format, p_verdict,
            p_reasons, p_source, p_status, p_subject_type, p_subject_id, p_data_age_ms, p_latency_ms, p_corrected_at,
            p_sealed_subject, p_alt_type, p_alt_id, p_blind_index, p_blind_alt) AS u
          ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS accepted = ROW_COUNT;
        UPDATE batches SET accepted = kiosk_ingest_batch.accepted, duplicates = p_count - kiosk_ingest_batch.accepted WHERE batch_id = p_batch_id;
        -- Delivered seq ranges, merged with this batch's runs: overlapping or touching ranges become one
        -- (a range starts a new group when it begins past everything before it, plus one).
        WITH r AS (
          SELECT from_seq AS f, to_seq AS t FROM seq_ranges WHERE device_id = p_device_id
          UNION ALL SELECT * FROM unnest(p_run_from, p_run_to)
        ), reach AS (
          SELECT f, t, max(t) OVER (ORDER BY f, t ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM r
        ), grouped AS (
          SELECT f, t, count(*) FILTER (WHERE before IS NULL OR f > before + 1) OVER (ORDER BY f, t ROWS UNBOUNDED PRECEDING) AS g FROM reach
        ), m AS (
          SELECT min(f) AS f, max(t) AS t FROM grouped GROUP BY g
        )
        SELECT array_agg(f ORDER BY f), array_agg(t ORDER BY f) INTO merged_from, merged_to FROM m;
        DELETE FROM seq_ranges WHERE device_id = p_device_id;
        INSERT INTO seq_ranges (device_id, from_seq, to_seq) SELECT p_device_id, f, t FROM unnest(merged_from, merged_to) AS x(f, t);
      END IF;
      -- Anchors apply on every delivery: a retried batch may carry a newer one. The caller passes the
      -- last anchor of each boot; numeric rounding is half away from zero, as on SQLite.
      IF cardinality(p_anchor_boot) > 0 THEN
        UPDATE entries e SET corrected_at = round((a.wall_ms + (e.mono_ms - a.mono_ms))::numeric)::bigint
          FROM unnest(p_anchor_boot, p_anchor_mono, p_anchor_wall) AS a(boot_id, mono_ms, wall_ms)
          WHERE e.device_id = p_device_id AND e.boot_id = a.boot_id AND NOT e.clock_synced;
      END IF;
      SELECT coalesce(array_agg(from_seq ORDER BY from_seq), '{}'), coalesce(array_agg(to_seq ORDER BY from_seq), '{}')
        INTO range_from, range_to FROM seq_ranges WHERE device_id = p_device_id;
    END
    $fn$;
  `,
};
