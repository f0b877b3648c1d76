import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newEntry } from '../../test/helpers/entries.ts';
import { migrateOutbox } from './migrations/index.ts';
import { wireEntrySchema } from '../../common/wire.ts';
import { Outbox, type OutboxBatch } from './outbox.ts';

/** The batch's entries as the server will read them: the JSON must match the wire schema exactly. */
const entriesOf = (b: OutboxBatch) => wireEntrySchema.array().parse(JSON.parse(b.entriesJson));

const tmp = () => join(mkdtempSync(join(tmpdir(), 'outbox-')), 'kiosk.db');
const open = (path = tmp()) => Outbox.open({ path, bootId: 'boot-a', nowMs: () => Date.UTC(2021, 8, 1, 9) });

describe('Outbox', () => {
  it('gives committed entries consecutive seqs and UUIDv7 ids', () => {
    const box = open();
    const refs = [box.record(newEntry()), box.record(newEntry()), box.record(newEntry())];
    expect(refs.map((r) => r.seq)).toEqual([1, 2, 3]);
    for (const r of refs) expect(r.entryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    box.close();
  });

  it('runs in WAL mode with synchronous=FULL', () => {
    const path = tmp();
    open(path).close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const box = open(path);
    // synchronous is per connection: read it through the outbox's own connection.
    expect((box as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
    box.close();
  });

  it('keeps entries and seq across a reopen', () => {
    const path = tmp();
    const a = open(path);
    a.record(newEntry());
    a.close();
    const b = open(path);
    expect(b.record(newEntry()).seq).toBe(2);
    expect(b.stats()).toMatchObject({ lastSeq: 2, pending: 2, uploadedThrough: 0 });
    b.close();
  });

  it('forms batches oldest first, within the count bound', () => {
    const box = open();
    for (let i = 0; i < 5; i++) box.record(newEntry());
    const batch = box.takeBatch(3, 1_000_000)!;
    expect([batch.fromSeq, batch.toSeq, batch.count, entriesOf(batch).length, batch.isResend]).toEqual([1, 3, 3, 3, false]);
    expect(entriesOf(batch)[0]).toMatchObject({ seq: 1, bootId: 'boot-a', subject: { type: 'cccd', id: '079303001234' }, reasons: ['status-green'] });
    box.close();
  });

  it('respects the byte bound but always sends at least one entry', () => {
    const box = open();
    for (let i = 0; i < 5; i++) box.record(newEntry());
    expect(box.takeBatch(100, 800)!.count).toBe(2);
    box.close();
  });

  it('resends an unacknowledged batch with the same id and entries, even after a restart', () => {
    const path = tmp();
    const a = open(path);
    for (let i = 0; i < 4; i++) a.record(newEntry());
    const first = a.takeBatch(10, 1_000_000)!;
    a.record(newEntry());
    a.close();
    const b = open(path);
    const again = b.takeBatch(10, 1_000_000)!;
    expect(again).toMatchObject({ batchId: first.batchId, fromSeq: 1, toSeq: 4, isResend: true });
    expect(entriesOf(again).map((e) => e.entryId)).toEqual(entriesOf(first).map((e) => e.entryId));
    b.ackBatch(first.batchId);
    const next = b.takeBatch(10, 1_000_000)!;
    expect([next.fromSeq, next.toSeq, next.isResend]).toEqual([5, 5, false]);
    expect(b.stats().uploadedThrough).toBe(4);
    b.close();
  });

  it('reports nothing pending once everything is acknowledged', () => {
    const box = open();
    box.record(newEntry());
    box.ackBatch(box.takeBatch(10, 1_000_000)!.batchId);
    expect(box.stats()).toMatchObject({ pending: 0, oldestPendingAt: null });
    expect(box.takeBatch(10, 1_000_000)).toBeNull();
    box.close();
  });

  it('refuses a database from newer software by name', () => {
    const path = tmp();
    const db = new Database(path);
    db.pragma('user_version = 9990');
    db.close();
    expect(() => open(path)).toThrow(/newer than this software/);
  });

  it('reports a file that is not a database as corrupt', () => {
    const path = tmp();
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    expect(() => open(path)).toThrow(expect.objectContaining({ code: 'outbox-corrupt' }));
  });
});

describe('outbox migration 0010-initial', () => {
  it('creates the schema on an empty database and sets user_version 10', () => {
    const db = new Database(':memory:');
    expect(migrateOutbox(db, 10)).toBe(10);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['batches', 'boots', 'entries', 'meta']));
    expect(db.prepare("SELECT value FROM meta WHERE key = 'uploaded_through'").get()).toEqual({ value: '0' });
  });

  it('reads pending entries by primary key, not by a table scan', () => {
    const db = new Database(':memory:');
    migrateOutbox(db);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM entries WHERE seq > 10 ORDER BY seq LIMIT 100').all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INTEGER PRIMARY KEY/);
  });
});

describe('outbox migration 0020-time-anchors-and-sealed-subjects', () => {
  it('keeps 0010 entries and adds anchors and sealed subjects', () => {
    const db = new Database(':memory:');
    migrateOutbox(db, 10);
    db.prepare("INSERT INTO boots (id, boot_id, first_seen_at) VALUES (1, 'b', 0)").run();
    db.prepare(
      "INSERT INTO entries (entry_id, recorded_at, boot, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms) VALUES (x'00', 5, 1, 7, 0, 'in', 'vn-cccd', 'allow', 'status-green', 'online', 'green', 'cccd', '079303001234', NULL, 1)",
    ).run();
    expect(migrateOutbox(db, 20)).toBe(20);
    expect(db.prepare('SELECT subject_id, sealed_subject FROM entries').get()).toEqual({ subject_id: '079303001234', sealed_subject: null });
    db.prepare("INSERT INTO time_anchors (boot, mono_ms, wall_ms, source, created_at) VALUES (1, 7, 1000, 'ntp', 0)").run();
    expect(db.prepare('SELECT count(*) AS n FROM time_anchors').get()).toEqual({ n: 1 });
  });
});

describe('Outbox time anchors', () => {
  it('re-times entries of an unsynchronised boot from its anchor, and leaves synchronised ones alone', () => {
    const box = open();
    box.record(newEntry({ recordedAt: 1000, monoMs: 5_000, clockSynced: false }));
    box.record(newEntry({ recordedAt: 2000, monoMs: 6_000, clockSynced: true }));
    // At boot-monotonic 10 000 ms the trustworthy time was 1 630 483 200 000.
    box.setTimeAnchor(10_000, 1_630_483_200_000, 'server');
    const batch = box.takeBatch(10, 1_000_000)!;
    expect(entriesOf(batch).map((e) => e.correctedAt)).toEqual([1_630_483_195_000, null]);
    expect(entriesOf(batch)[0]!.recordedAt).toBe(1000);
    expect(batch.timeAnchors).toEqual([{ bootId: 'boot-a', monoMs: 10_000, wallMs: 1_630_483_200_000, source: 'server' }]);
    box.close();
  });
});

describe('Outbox retention', () => {
  it('purges uploaded entries past retention and never a pending one', () => {
    const box = open();
    box.record(newEntry({ recordedAt: 100 }));
    box.record(newEntry({ recordedAt: 200 }));
    box.ackBatch(box.takeBatch(1, 1_000_000)!.batchId);
    box.record(newEntry({ recordedAt: 300 }));
    expect(box.purgeUploaded(10_000)).toBe(1);
    expect(box.stats()).toMatchObject({ lastSeq: 3, uploadedThrough: 1, pending: 2 });
    // The seq counter survives the purge: the next entry is 4, not a reused 1.
    expect(box.record(newEntry()).seq).toBe(4);
    box.close();
  });
});

describe('outbox migration 0030-risk-list', () => {
  it('adds the list tables and the sync cursor at 0', () => {
    const db = new Database(':memory:');
    migrateOutbox(db, 20);
    expect(migrateOutbox(db, 30)).toBe(30);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'risk_cursor'").get()).toEqual({ value: '0' });
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM risk_list WHERE hash = ?').all(Buffer.alloc(16)) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/PRIMARY KEY/);
  });
});

describe('outbox migration 0040-passages', () => {
  it('adds passages keyed by entry seq, unsent ones indexed', () => {
    const db = new Database(':memory:');
    migrateOutbox(db, 30);
    expect(migrateOutbox(db, 40)).toBe(40);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT entry_seq FROM passages WHERE is_sent = 0 AND entry_seq <= 5').all() as Array<{ detail: string }>;
    // The partial index, not the rowid range: the rowid alone would scan every sent passage too.
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX passages_unsent/);
  });
});

describe('Outbox passages', () => {
  it('offers a passage for upload only once its entry is acknowledged, and once', () => {
    const box = open();
    const { seq, entryId } = box.record(newEntry());
    box.recordPassage(seq, false, 123);
    expect(box.unsentPassages(10)).toEqual([]);
    box.ackBatch(box.takeBatch(10, 1_000_000)!.batchId);
    expect(box.unsentPassages(10)).toEqual([{ seq, entryId, passed: false, at: 123 }]);
    box.markPassagesSent([seq]);
    expect(box.unsentPassages(10)).toEqual([]);
    box.close();
  });
});
