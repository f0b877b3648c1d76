import type pg from 'pg';
import { VN_OFFSET_MS } from '../../services/report.ts';

const DAY_MS = 86_400_000;

/** Days since the epoch of the Vietnam calendar day (UTC+7) holding `ms`. */
export const vnDay = (ms: number): number => Math.floor((ms + VN_OFFSET_MS) / DAY_MS);
export const vnDayStart = (day: number): number => day * DAY_MS - VN_OFFSET_MS;

/** entries_pYYYYMMDD, the Vietnam date of the partition's day. */
export function partitionName(day: number): string {
  return `entries_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function dayOfPartition(name: string): number | undefined {
  const m = /^entries_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS : undefined;
}

export async function existingPartitions(c: pg.PoolClient): Promise<Set<string>> {
  return new Set(
    (await c.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'entries'::regclass")).rows.map((r) => r.name),
  );
}

/**
 * Makes the day partitions of `days` that do not exist yet and end after `cutoff` (retention),
 * inside the caller's transaction; the caller holds the maintenance lock. Rows of such a day
 * waiting in the DEFAULT partition move into the new partition. Returns the names made.
 */
export async function makeDayPartitions(c: pg.PoolClient, days: Iterable<number>, cutoff: number, existing?: Set<string>): Promise<string[]> {
  const have = existing ?? (await existingPartitions(c));
  const made: string[] = [];
  for (const day of [...new Set(days)].sort((a, b) => a - b)) {
    const name = partitionName(day);
    if (have.has(name) || vnDayStart(day + 1) <= cutoff) continue;
    const from = vnDayStart(day);
    const to = vnDayStart(day + 1);
    // The DEFAULT partition may not hold rows of the new range when it is created: park them, create, put them back.
    await c.query('CREATE TEMP TABLE moving_entries (LIKE entries) ON COMMIT DROP');
    const moved = await c.query('WITH m AS (DELETE FROM entries_default WHERE recorded_at >= $1 AND recorded_at < $2 RETURNING *) INSERT INTO moving_entries SELECT * FROM m', [from, to]);
    // Identifiers cannot be bound; the name is made from an integer day, never from input.
    await c.query(`CREATE TABLE ${name} PARTITION OF entries FOR VALUES FROM (${from}) TO (${to})`);
    if (moved.rowCount) {
      // They were counted in entry_day_counts when they first arrived (migration 0050): not again.
      await c.query("SET LOCAL kiosk.rollup_skip = 'on'");
      await c.query('INSERT INTO entries SELECT * FROM moving_entries');
      await c.query("SET LOCAL kiosk.rollup_skip = 'off'");
    }
    await c.query('DROP TABLE moving_entries');
    have.add(name);
    made.push(name);
  }
  return made;
}
