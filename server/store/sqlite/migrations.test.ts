import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../common/migrate.ts';
import { serverMigration0010 } from './migrations/0010-initial.ts';
import { serverMigration0020 } from './migrations/0020-time-and-privacy.ts';
import { serverMigration0030 } from './migrations/0030-risk-list.ts';
import { serverMigration0040 } from './migrations/0040-passages.ts';

const ALL = [serverMigration0010, serverMigration0020, serverMigration0030, serverMigration0040];

describe('server migration 0010-initial', () => {
  it('creates the tables and looks entries up by device and seq through an index', () => {
    const db = new Database(':memory:');
    expect(migrate(db, ALL, 'server', 10)).toBe(10);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM entries WHERE device_id = ? AND seq = ?').all('d', 1) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/entries_device_seq/);
  });
});

describe('server migration 0020-time-and-privacy', () => {
  it('keeps existing entries and adds corrected_at, sealed_subject and meta', () => {
    const db = new Database(':memory:');
    migrate(db, ALL, 'server', 10);
    db.prepare(
      "INSERT INTO entries VALUES ('e1', 'd', 'v', 1, 'b', 0, 5, 'boot', 7, 0, 'in', 'vn-cccd', 'allow', '', 'online', 'green', 'cccd', '1', NULL, 1)",
    ).run();
    expect(migrate(db, ALL, 'server', 20)).toBe(20);
    expect(db.prepare('SELECT recorded_at, corrected_at, sealed_subject FROM entries').get()).toEqual({ recorded_at: 5, corrected_at: null, sealed_subject: null });
    db.prepare("INSERT INTO meta VALUES ('k', 'v')").run();
    const plan = db.prepare('EXPLAIN QUERY PLAN UPDATE entries SET corrected_at = 1 WHERE device_id = ? AND boot_id = ? AND clock_synced = 0').all('d', 'boot') as Array<{
      detail: string;
    }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/entries_device_boot/);
  });
});

describe('server migration 0030-risk-list', () => {
  it('adds the list and its change log without touching entries', () => {
    const db = new Database(':memory:');
    migrate(db, ALL, 'server', 20);
    expect(migrate(db, ALL, 'server', 30)).toBe(30);
    db.prepare('INSERT INTO risk_list VALUES (?)').run(Buffer.alloc(16, 1));
    db.prepare('INSERT INTO risk_changes (hash, is_added, at) VALUES (?, 1, 0)').run(Buffer.alloc(16, 1));
    expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'risk_changes'").get()).toEqual({ seq: 1 });
  });
});

describe('server migration 0040-passages', () => {
  it('adds the passage outcome to entries, empty for existing ones', () => {
    const db = new Database(':memory:');
    migrate(db, ALL, 'server', 30);
    db.prepare(
      "INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, latency_ms) VALUES ('e1', 'd', 'v', 1, 'b', 0, 5, 'boot', 7, 1, 'in', 'vn-cccd', 'allow', '', 'online', 'green', 1)",
    ).run();
    expect(migrate(db, ALL, 'server')).toBe(40);
    expect(db.prepare('SELECT passage, passage_at FROM entries').get()).toEqual({ passage: null, passage_at: null });
  });
});

describe('server migration 0080-tracing', () => {
  it('keeps existing entries, adds tracing columns, and finds entries by venue and effective time through an index', async () => {
    const { SERVER_MIGRATIONS } = await import('./sqlite-store.ts');
    const db = new Database(':memory:');
    migrate(db, SERVER_MIGRATIONS, 'server', 70);
    db.prepare(
      "INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, latency_ms) VALUES ('e1', 'd', 'v', 1, 'b', 0, 5, 'boot', 7, 1, 'in', 'vn-cccd', 'allow', '', 'online', 'green', 1)",
    ).run();
    expect(migrate(db, SERVER_MIGRATIONS, 'server', 80)).toBe(80);
    expect(db.prepare('SELECT alt_type, alt_id, blind_index, blind_alt FROM entries').get()).toEqual({ alt_type: null, alt_id: null, blind_index: null, blind_alt: null });
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM entries WHERE venue_id = ? AND coalesce(corrected_at, recorded_at) BETWEEN ? AND ?')
      .all('v', 0, 10) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/entries_venue_at/);
  });
});

describe('server migration 0110-trace-windows', () => {
  it('reads the windows around a visit from the index alone, and the venue report by effective time still uses an index', async () => {
    const { SERVER_MIGRATIONS } = await import('./sqlite-store.ts');
    const db = new Database(':memory:');
    expect(migrate(db, SERVER_MIGRATIONS, 'server', 110)).toBe(110);
    const AT = 'coalesce(corrected_at, recorded_at)';
    const detail = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('v', 0, 10) as Array<{ detail: string }>).map((p) => p.detail).join(' ');
    expect(detail(`SELECT entry_id, venue_id, ${AT} AS at, direction, subject_type, subject_id, alt_type, alt_id, sealed_subject, blind_index, blind_alt FROM entries WHERE venue_id = ? AND ${AT} BETWEEN ? AND ?`)).toMatch(
      /USING COVERING INDEX entries_venue_trace/,
    );
    expect(detail(`SELECT count(*) FROM entries WHERE venue_id = ? AND ${AT} >= ? AND ${AT} < ?`)).toMatch(/USING (COVERING )?INDEX entries_venue_trace/);
  });
});
