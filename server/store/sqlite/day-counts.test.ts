import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../common/migrate.ts';
import { SERVER_MIGRATIONS } from './sqlite-store.ts';

describe('server migration 0100-day-counts', () => {
  it('counts the entries stored before it per device and Vietnam day of their effective time', () => {
    const db = new Database(':memory:');
    migrate(db, SERVER_MIGRATIONS, 'server', 90);
    const insert = db.prepare(
      `INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, latency_ms, corrected_at)
       VALUES (?, 'd1', 'v1', ?, 'b', 0, ?, 'boot', 0, 1, ?, 'vn-cccd', 'allow', '', 'online', 'green', 1, ?)`,
    );
    const vn = (d: number, h: number): number => Date.UTC(2021, 9, d, h) - 7 * 3600_000;
    insert.run('e1', 1, vn(10, 23), 'in', null);
    insert.run('e2', 2, vn(10, 23), 'in', vn(11, 1)); // re-timed past midnight: the 11th
    insert.run('e3', 3, vn(10, 8), 'out', null);
    expect(migrate(db, SERVER_MIGRATIONS, 'server', 100)).toBe(100);
    const day = (d: number): number => Date.UTC(2021, 9, d) / 86_400_000;
    expect(db.prepare('SELECT device_id, day, venue_id, entries, exits FROM entry_day_counts ORDER BY day').all()).toEqual([
      { device_id: 'd1', day: day(10), venue_id: 'v1', entries: 1, exits: 1 },
      { device_id: 'd1', day: day(11), venue_id: 'v1', entries: 1, exits: 0 },
    ]);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT sum(entries) FROM entry_day_counts WHERE venue_id = ? AND day >= ? AND day < ?').all('v1', 0, 1) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/entry_day_counts_venue_day/);
  });
});
