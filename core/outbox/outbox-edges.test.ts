import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KioskError } from '../../common/errors.ts';
import { wireEntrySchema } from '../../common/wire.ts';
import { newEntry } from '../../test/helpers/entries.ts';
import { migrateOutbox } from './migrations/index.ts';
import { Outbox, storageError, type OutboxBatch } from './outbox.ts';

/**
 * Edges the mutation run (docs/testing.md) found unchecked: the byte bound at its exact limit,
 * anchors of other boots, chunked purges, storage error kinds, the export iterator.
 */
const entriesOf = (b: OutboxBatch) => wireEntrySchema.array().parse(JSON.parse(b.entriesJson));
const tmpDir = () => mkdtempSync(join(tmpdir(), 'outbox-edges-'));
const open = (path = join(tmpDir(), 'kiosk.db'), bootId = 'boot-a') => Outbox.open({ path, bootId, nowMs: () => Date.UTC(2021, 8, 1, 9) });
const dbOf = (box: Outbox) => (box as unknown as { db: Database.Database }).db;

describe('Outbox batch bounds', () => {
  it('fills a batch up to the byte bound exactly (each entry counts its JSON and a comma)', () => {
    const box = open();
    for (let i = 0; i < 4; i++) box.record(newEntry({ entryId: `0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1${i}` }));
    const perEntry = JSON.stringify(entriesOf(box.takeBatch(1, 1_000_000)!)[0]).length + 1;
    box.close();
    const fresh = () => {
      const b = open();
      for (let i = 0; i < 4; i++) b.record(newEntry({ entryId: `0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1${i}` }));
      return b;
    };
    expect(fresh().takeBatch(10, 2 * perEntry)!.count).toBe(2);
    expect(fresh().takeBatch(10, 2 * perEntry - 1)!.count).toBe(1);
    expect(fresh().takeBatch(10, 3 * perEntry)!.count).toBe(3);
  });

  it('sends one entry even when it alone exceeds the byte bound', () => {
    const box = open();
    box.record(newEntry());
    box.record(newEntry());
    expect(box.takeBatch(10, 10)).toMatchObject({ count: 1, fromSeq: 1, toSeq: 1 });
    box.close();
  });

  it('forms a new batch under a new id after one is abandoned', () => {
    const box = open();
    box.record(newEntry());
    const first = box.takeBatch(10, 1_000_000)!;
    box.abandonBatch(first.batchId);
    const next = box.takeBatch(10, 1_000_000)!;
    expect(next.batchId).not.toBe(first.batchId);
    expect(next).toMatchObject({ fromSeq: 1, toSeq: 1, isResend: false });
    box.close();
  });

  it('ignores an acknowledgement of a batch it does not hold', () => {
    const box = open();
    box.record(newEntry());
    box.ackBatch('0190a6b2-7c3d-7e4f-8a5b-000000000000');
    expect(box.stats()).toMatchObject({ uploadedThrough: 0, pending: 1 });
    box.close();
  });
});

describe('Outbox time anchors across boots', () => {
  it("sends the anchors of the batch's boots and of the current boot, not of other boots", () => {
    const path = join(tmpDir(), 'kiosk.db');
    const a = open(path, 'boot-a');
    a.record(newEntry({ clockSynced: false }));
    a.setTimeAnchor(100, 1_000_000, 'ntp');
    a.close();
    const b = open(path, 'boot-b');
    b.record(newEntry({ clockSynced: false }));
    b.setTimeAnchor(200, 2_000_000, 'server');
    const first = b.takeBatch(1, 1_000_000)!;
    expect(first.timeAnchors.map((t) => t.bootId)).toEqual(['boot-a', 'boot-b']);
    b.ackBatch(first.batchId);
    // Only boot-b's entry is left: boot-a's anchor no longer goes with it.
    expect(b.takeBatch(10, 1_000_000)!.timeAnchors).toEqual([{ bootId: 'boot-b', monoMs: 200, wallMs: 2_000_000, source: 'server' }]);
    b.close();
  });
});

describe('Outbox retention in chunks', () => {
  it('purges every eligible entry, however many chunks it takes', () => {
    const box = open();
    for (let i = 0; i < 5; i++) box.record(newEntry({ recordedAt: 100 + i }));
    box.ackBatch(box.takeBatch(10, 1_000_000)!.batchId);
    expect(box.purgeUploaded(10_000, 2)).toBe(5);
    expect(box.stats()).toMatchObject({ lastSeq: 5, pending: 0 });
    box.close();
  });
});

describe('Outbox passages and stats', () => {
  it('reports a passage that happened as passed', () => {
    const box = open();
    const { seq, entryId } = box.record(newEntry());
    box.recordPassage(seq, true, 456);
    box.ackBatch(box.takeBatch(10, 1_000_000)!.batchId);
    expect(box.unsentPassages(10)).toEqual([{ seq, entryId, passed: true, at: 456 }]);
    box.close();
  });

  it('reports an empty store as empty', () => {
    const box = open();
    expect(box.stats()).toEqual({ lastSeq: 0, uploadedThrough: 0, pending: 0, oldestPendingAt: null });
    box.close();
  });

  it('is closed after close()', () => {
    const box = open();
    box.close();
    expect(() => box.stats()).toThrow(/not open/);
  });
});

describe('Outbox export', () => {
  it('yields the entries recorded in [from, to) with whether each was uploaded', () => {
    const box = open();
    for (const at of [100, 200, 300, 400]) box.record(newEntry({ recordedAt: at }));
    box.ackBatch(box.takeBatch(2, 1_000_000)!.batchId);
    const got = [...box.entriesRecordedBetween(200, 400)].map(({ entry, isUploaded }) => [entry.seq, entry.recordedAt, isUploaded]);
    expect(got).toEqual([
      [2, 200, true],
      [3, 300, false],
    ]);
    box.close();
  });
});

describe('Outbox storage', () => {
  it('creates the folder of a new store', () => {
    const path = join(tmpDir(), 'a', 'b', 'kiosk.db');
    open(path).close();
    expect(statSync(path).isFile()).toBe(true);
  });

  it('names the path it cannot open', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'kiosk.db'));
    expect(() => open(join(dir, 'kiosk.db'))).toThrow(`cannot open the outbox at ${join(dir, 'kiosk.db')}`);
  });

  it('reports a store that refuses writes as read-only, with what failed', () => {
    const box = open();
    dbOf(box).pragma('query_only = 1');
    expect(() => box.record(newEntry())).toThrow(expect.objectContaining({ code: 'disk-read-only', message: 'cannot store the entry: the storage is read-only' }));
    box.close();
  });

  it('sorts SQLite failures into the kinds that have a recovery path', () => {
    const sqlite = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
    const kind = (err: unknown) => {
      const e = storageError(err, 'what');
      return [e.code, e.message, e.cause === err];
    };
    expect(kind(sqlite('SQLITE_FULL'))).toEqual(['disk-full', 'what: the disk is full', true]);
    expect(kind(sqlite('SQLITE_READONLY'))).toEqual(['disk-read-only', 'what: the storage is read-only', true]);
    expect(kind(sqlite('SQLITE_READONLY_DIRECTORY'))).toEqual(['disk-read-only', 'what: the storage is read-only', true]);
    expect(kind(sqlite('SQLITE_IOERR', 'attempt to write a read-only database'))).toEqual(['disk-read-only', 'what: the storage is read-only', true]);
    expect(kind(sqlite('SQLITE_CORRUPT'))).toEqual(['outbox-corrupt', 'what: the database file is damaged (boom)', true]);
    expect(kind(sqlite('SQLITE_NOTADB'))).toEqual(['outbox-corrupt', 'what: the database file is damaged (boom)', true]);
    expect(kind(sqlite('SQLITE_IOERR'))).toEqual(['storage-failed', 'what: boom', true]);
    expect(kind('plain string')).toEqual(['storage-failed', 'what: plain string', true]);
    expect(kind(null)).toEqual(['storage-failed', 'what: null', true]);
    const own = new KioskError('disk-full', 'already sorted');
    expect(storageError(own, 'what')).toBe(own);
  });
});

describe('outbox migrations 0050 and the runner', () => {
  it('0050 adds the trust list, empty at version 0', () => {
    const db = new Database(':memory:');
    migrateOutbox(db, 40);
    expect(migrateOutbox(db, 50)).toBe(50);
    expect(db.prepare("SELECT key, value FROM meta WHERE key LIKE 'trust_%' ORDER BY key").all()).toEqual([
      { key: 'trust_synced_at', value: '' },
      { key: 'trust_value_sets', value: '' },
      { key: 'trust_version', value: '0' },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM trust_list').get()).toEqual({ n: 0 });
  });

  it('names the outbox when refusing a newer database', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 9990');
    expect(() => migrateOutbox(db)).toThrow(/the outbox database has schema version 9990/);
  });
});
