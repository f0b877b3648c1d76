import type { PgMigration } from '../migrate.ts';

/**
 * Issue 14's deployment report at national scale: a daily roll-up of entries per kiosk and Vietnam
 * day (UTC+7) of their effective time, kept by the database itself so the report reads at most
 * kiosks × days rows instead of every entry of a province-month (80 s at 50 million entries).
 *
 * - Keyed by device and day, not by venue: thousands of kiosks of one venue upload at once, and one
 *   counter row per venue would serialise all their transactions on its row lock. A device's own
 *   batches are already serialised by ingest (the device row lock), so its counter rows add no wait.
 * - Statement-level AFTER triggers with transition tables on the partitioned `entries` (PostgreSQL
 *   15 allows them on the parent): one grouped upsert per statement, whatever inserts or re-times
 *   entries (the batch INSERT, COPY, the time-anchor UPDATE) and however that code changes, with no
 *   change to ingest. Rows skipped by ON CONFLICT DO NOTHING are not in the transition table, so a
 *   replayed entry is never counted twice. An UPDATE subtracts the old rows' days and adds the new
 *   ones': an entry re-timed across midnight moves to its real day.
 * - Statements on a partition itself do not fire the parent's triggers; maintenance moving rows from
 *   the DEFAULT partition into a new day partition re-inserts through the parent and sets
 *   `kiosk.rollup_skip` for that statement (those rows were counted when they arrived).
 * - Counts outlive the retention: dropping a day partition leaves its counts (no personal data), so
 *   the monthly report still covers days whose entries are gone.
 * - Numbered 0050: 0040 is reserved for the ingest rewrite (issue 12).
 */
export const pgMigration0050: PgMigration = {
  version: 50,
  name: 'day-counts',
  sql: `
    CREATE TABLE entry_day_counts (
      device_id text NOT NULL,
      day integer NOT NULL,
      venue_id text NOT NULL,
      entries bigint NOT NULL,
      exits bigint NOT NULL,
      PRIMARY KEY (device_id, day, venue_id)
    );
    -- The report reads a province's venues and the days of one month.
    CREATE INDEX entry_day_counts_venue_day ON entry_day_counts (venue_id, day) INCLUDE (entries, exits);

    CREATE FUNCTION entry_day_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('kiosk.rollup_skip', true) = 'on' THEN RETURN NULL; END IF;
      INSERT INTO entry_day_counts AS c (device_id, day, venue_id, entries, exits)
      SELECT device_id, floor((coalesce(corrected_at, recorded_at) + 25200000) / 86400000.0)::int, venue_id,
        count(*) FILTER (WHERE direction = 'in'), count(*) FILTER (WHERE direction = 'out')
      FROM entry_day_counts_new GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (device_id, day, venue_id) DO UPDATE SET entries = c.entries + excluded.entries, exits = c.exits + excluded.exits;
      RETURN NULL;
    END $$;
    CREATE TRIGGER entries_day_counts_insert AFTER INSERT ON entries
      REFERENCING NEW TABLE AS entry_day_counts_new FOR EACH STATEMENT EXECUTE FUNCTION entry_day_counts_added();

    CREATE FUNCTION entry_day_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('kiosk.rollup_skip', true) = 'on' THEN RETURN NULL; END IF;
      INSERT INTO entry_day_counts AS c (device_id, day, venue_id, entries, exits)
      SELECT device_id, day, venue_id, sum(d_in), sum(d_out) FROM (
        SELECT device_id, floor((coalesce(corrected_at, recorded_at) + 25200000) / 86400000.0)::int AS day, venue_id,
          (direction = 'in')::int AS d_in, (direction = 'out')::int AS d_out FROM entry_day_counts_new
        UNION ALL
        SELECT device_id, floor((coalesce(corrected_at, recorded_at) + 25200000) / 86400000.0)::int, venue_id,
          -(direction = 'in')::int, -(direction = 'out')::int FROM entry_day_counts_old
      ) AS d
      GROUP BY 1, 2, 3 HAVING sum(d_in) <> 0 OR sum(d_out) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (device_id, day, venue_id) DO UPDATE SET entries = c.entries + excluded.entries, exits = c.exits + excluded.exits;
      RETURN NULL;
    END $$;
    -- Passages also update entries; their old and new days are equal, so they change no count.
    CREATE TRIGGER entries_day_counts_update AFTER UPDATE ON entries
      REFERENCING OLD TABLE AS entry_day_counts_old NEW TABLE AS entry_day_counts_new FOR EACH STATEMENT EXECUTE FUNCTION entry_day_counts_moved();

    -- Exposure reads windows of a venue by recorded_at (partition pruning) where the clock was
    -- synchronised, and re-timed entries through this: partial, so ordinary entries do not pay for it.
    CREATE INDEX entries_venue_corrected ON entries (venue_id, corrected_at) WHERE corrected_at IS NOT NULL;

    INSERT INTO entry_day_counts (device_id, day, venue_id, entries, exits)
    SELECT device_id, floor((coalesce(corrected_at, recorded_at) + 25200000) / 86400000.0)::int, venue_id,
      count(*) FILTER (WHERE direction = 'in'), count(*) FILTER (WHERE direction = 'out')
    FROM entries GROUP BY 1, 2, 3;
  `,
};
