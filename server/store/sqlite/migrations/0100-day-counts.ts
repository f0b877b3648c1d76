import type { Database } from 'better-sqlite3';

/**
 * Issue 14's deployment report without reading every entry: counts per kiosk and Vietnam day
 * (UTC+7) of the effective time, kept by row triggers, as PostgreSQL's migration 0050 does with
 * statement triggers. Keyed by device and day like there (one venue's kiosks never share a counter
 * row). `INSERT OR IGNORE` of an entry already stored fires no AFTER INSERT trigger, so a replay is
 * not counted twice; re-timing by a time anchor (corrected_at) moves the entry between days. The
 * retention's DELETE leaves the counts (they hold no personal data), so the monthly report still
 * covers days whose entries are gone. The day is floor((ms + 7 h) / 1 day), with SQLite's
 * truncating division corrected for times before 1970.
 */
const DAY_OF = (t: string): string => `((coalesce(${t}.corrected_at, ${t}.recorded_at) + 25200000) / 86400000 - ((coalesce(${t}.corrected_at, ${t}.recorded_at) + 25200000) % 86400000 < 0))`;

export const serverMigration0100 = {
  version: 100,
  name: 'day-counts',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE entry_day_counts (
        device_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        venue_id TEXT NOT NULL,
        entries INTEGER NOT NULL,
        exits INTEGER NOT NULL,
        PRIMARY KEY (device_id, day, venue_id)
      ) WITHOUT ROWID;
      CREATE INDEX entry_day_counts_venue_day ON entry_day_counts (venue_id, day, entries);
      CREATE TRIGGER entries_day_counts_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entry_day_counts (device_id, day, venue_id, entries, exits)
        VALUES (NEW.device_id, ${DAY_OF('NEW')}, NEW.venue_id, NEW.direction = 'in', NEW.direction = 'out')
        ON CONFLICT (device_id, day, venue_id) DO UPDATE SET entries = entries + excluded.entries, exits = exits + excluded.exits;
      END;
      CREATE TRIGGER entries_day_counts_update AFTER UPDATE OF corrected_at, recorded_at, direction, venue_id, device_id ON entries
      WHEN ${DAY_OF('OLD')} <> ${DAY_OF('NEW')} OR OLD.direction <> NEW.direction OR OLD.venue_id <> NEW.venue_id OR OLD.device_id <> NEW.device_id
      BEGIN
        UPDATE entry_day_counts SET entries = entries - (OLD.direction = 'in'), exits = exits - (OLD.direction = 'out')
          WHERE device_id = OLD.device_id AND day = ${DAY_OF('OLD')} AND venue_id = OLD.venue_id;
        INSERT INTO entry_day_counts (device_id, day, venue_id, entries, exits)
        VALUES (NEW.device_id, ${DAY_OF('NEW')}, NEW.venue_id, NEW.direction = 'in', NEW.direction = 'out')
        ON CONFLICT (device_id, day, venue_id) DO UPDATE SET entries = entries + excluded.entries, exits = exits + excluded.exits;
      END;
      INSERT INTO entry_day_counts (device_id, day, venue_id, entries, exits)
        SELECT device_id, ${DAY_OF('entries')}, venue_id, sum(direction = 'in'), sum(direction = 'out') FROM entries GROUP BY 1, 2, 3;
    `);
  },
};
