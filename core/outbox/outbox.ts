import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseUuid, stringify as stringifyUuid, v7 as uuidv7 } from 'uuid';
import { KioskError } from '../../common/errors.ts';
import type { Direction, Format, HealthStatus, StatusSource, Verdict } from '../../common/verdict.ts';
import type { Subject, SubjectType, TimeAnchor, WireEntry } from '../../common/wire.ts';
import { migrateOutbox } from './migrations/index.ts';

/** An entry as the pipeline hands it over; the outbox adds entryId and seq. */
export interface NewEntry {
  recordedAt: number;
  /** Boot-monotonic ms (CLOCK_MONOTONIC): comparable across process restarts within one boot. */
  monoMs: number;
  clockSynced: boolean;
  direction: Direction;
  format: Format;
  verdict: Verdict;
  reasons: readonly string[];
  source: StatusSource;
  status: HealthStatus;
  subject: Subject | null;
  dataAgeMs: number | null;
  latencyMs: number;
  /** Set when the pipeline made the id first (to seal the subject to it, or to show it before a retry). */
  entryId?: string;
  /** The subject encrypted to the health authority; `subject` is then null. */
  sealedSubject?: string | null;
}

export interface StoredRef {
  entryId: string;
  seq: number;
}

export interface OutboxBatch {
  batchId: string;
  fromSeq: number;
  toSeq: number;
  entries: WireEntry[];
  /** True when this batch was formed earlier and is being resent (same id, same entries). */
  isResend: boolean;
  /** Trustworthy times of the boots involved (and of the current boot), for the server to re-time entries. */
  timeAnchors: TimeAnchor[];
}

export interface OutboxStats {
  /** Highest seq ever committed. */
  lastSeq: number;
  uploadedThrough: number;
  pending: number;
  /** Wall time of the oldest entry not yet uploaded; null when none. */
  oldestPendingAt: number | null;
}

export interface OutboxOptions {
  path: string;
  bootId: string;
  nowMs: () => number;
}

interface EntryRow {
  seq: number;
  entry_id: Buffer;
  recorded_at: number;
  boot_id: string;
  mono_ms: number;
  clock_synced: number;
  direction: string;
  format: string;
  verdict: string;
  reasons: string;
  source: string;
  status: string;
  subject_type: string | null;
  subject_id: string | null;
  data_age_ms: number | null;
  latency_ms: number;
  sealed_subject: string | null;
  anchor_mono: number | null;
  anchor_wall: number | null;
}

/** Rough JSON size of a wire entry without serialising it: keeps batches under the byte bound. */
const ENTRY_JSON_OVERHEAD = 330;

/**
 * The durable buffer between a verdict and the tracing server.
 *
 * Durability: WAL with synchronous=FULL, so `record` returns only after the WAL is fsynced: a verdict
 * a guard saw survives a pulled plug. Automatic checkpoints stay on (every 1000 pages): they keep
 * the WAL short so it is rewritten in place, and an fsync that does not grow the file skips the
 * filesystem's metadata journal. Measured: disabling them doubled the p50 of a commit on ext4.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly bootRow: number;
  private readonly nowMs: () => number;
  private readonly insertStmt: Database.Statement;
  private readonly pendingStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;

  private constructor(db: Database.Database, options: OutboxOptions) {
    this.db = db;
    this.nowMs = options.nowMs;
    db.prepare('INSERT OR IGNORE INTO boots (boot_id, first_seen_at) VALUES (?, ?)').run(options.bootId, options.nowMs());
    this.bootRow = (db.prepare('SELECT id FROM boots WHERE boot_id = ?').get(options.bootId) as { id: number }).id;
    this.insertStmt = db.prepare(`
      INSERT INTO entries (entry_id, recorded_at, boot, mono_ms, clock_synced, direction, format, verdict,
        reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms, sealed_subject)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const select = `SELECT e.seq, e.entry_id, e.recorded_at, b.boot_id, e.mono_ms, e.clock_synced, e.direction,
        e.format, e.verdict, e.reasons, e.source, e.status, e.subject_type, e.subject_id, e.data_age_ms, e.latency_ms,
        e.sealed_subject, a.mono_ms AS anchor_mono, a.wall_ms AS anchor_wall
      FROM entries e JOIN boots b ON b.id = e.boot LEFT JOIN time_anchors a ON a.boot = e.boot`;
    this.pendingStmt = db.prepare(`${select} WHERE e.seq > ? ORDER BY e.seq LIMIT ?`);
    this.rangeStmt = db.prepare(`${select} WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`);
  }

  static open(options: OutboxOptions): Outbox {
    let db: Database.Database;
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrateOutbox(db);
    } catch (err) {
      throw storageError(err, `cannot open the outbox at ${options.path}`);
    }
    return new Outbox(db, options);
  }

  /** Commits one entry durably and returns its identity. Throws a storage KioskError on failure. */
  record(entry: NewEntry): StoredRef {
    const idBytes = parseUuid(entry.entryId ?? uuidv7());
    try {
      const info = this.insertStmt.run(
        Buffer.from(idBytes),
        entry.recordedAt,
        this.bootRow,
        entry.monoMs,
        entry.clockSynced ? 1 : 0,
        entry.direction,
        entry.format,
        entry.verdict,
        entry.reasons.join(','),
        entry.source,
        entry.status,
        entry.subject?.type ?? null,
        entry.subject?.id ?? null,
        entry.dataAgeMs,
        entry.latencyMs,
        entry.sealedSubject ?? null,
      );
      return { entryId: stringifyUuid(idBytes), seq: Number(info.lastInsertRowid) };
    } catch (err) {
      throw storageError(err, 'cannot store the entry');
    }
  }

  /**
   * The batch to send next: the unacknowledged one if any (same id and entries, so a retry after a
   * crash is recognised by the server), else a new one of the oldest pending entries.
   */
  takeBatch(maxEntries: number, maxBytes: number): OutboxBatch | null {
    const open = this.db.prepare('SELECT batch_id, from_seq, to_seq FROM batches ORDER BY from_seq LIMIT 1').get() as
      | { batch_id: string; from_seq: number; to_seq: number }
      | undefined;
    if (open) {
      const rows = this.rangeStmt.all(open.from_seq, open.to_seq) as EntryRow[];
      this.db.prepare('UPDATE batches SET attempts = attempts + 1 WHERE batch_id = ?').run(open.batch_id);
      return { batchId: open.batch_id, fromSeq: open.from_seq, toSeq: open.to_seq, entries: rows.map(toWire), isResend: true, timeAnchors: this.anchorsFor(rows) };
    }
    const rows = this.pendingStmt.all(this.uploadedThrough(), maxEntries) as EntryRow[];
    if (rows.length === 0) return null;
    const entries: WireEntry[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = ENTRY_JSON_OVERHEAD + (row.subject_id?.length ?? 0) + row.reasons.length;
      if (entries.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      entries.push(toWire(row));
    }
    const fromSeq = (entries[0] as WireEntry).seq;
    const toSeq = (entries.at(-1) as WireEntry).seq;
    const batchId = uuidv7();
    this.db
      .prepare('INSERT INTO batches (batch_id, from_seq, to_seq, created_at, attempts) VALUES (?, ?, ?, ?, 1)')
      .run(batchId, fromSeq, toSeq, this.nowMs());
    return { batchId, fromSeq, toSeq, entries, isResend: false, timeAnchors: this.anchorsFor(rows.slice(0, entries.length)) };
  }

  /**
   * Records a trustworthy time for the current boot: at boot-monotonic `monoMs` it was `wallMs`.
   * Entries of this boot with an unsynchronised clock are re-timed from it when uploaded.
   */
  setTimeAnchor(monoMs: number, wallMs: number, source: TimeAnchor['source']): void {
    this.db
      .prepare('INSERT OR REPLACE INTO time_anchors (boot, mono_ms, wall_ms, source, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(this.bootRow, monoMs, Math.round(wallMs), source, this.nowMs());
  }

  /** The anchors of the batch's boots plus the current boot's (it re-times entries uploaded earlier). */
  private anchorsFor(rows: readonly EntryRow[]): TimeAnchor[] {
    const boots = new Set(rows.map((r) => r.boot_id));
    const all = this.db
      .prepare('SELECT b.boot_id, a.mono_ms, a.wall_ms, a.source, a.boot FROM time_anchors a JOIN boots b ON b.id = a.boot')
      .all() as Array<{ boot_id: string; mono_ms: number; wall_ms: number; source: TimeAnchor['source']; boot: number }>;
    return all
      .filter((a) => boots.has(a.boot_id) || a.boot === this.bootRow)
      .map((a) => ({ bootId: a.boot_id, monoMs: a.mono_ms, wallMs: a.wall_ms, source: a.source }));
  }

  /** The server holds the batch: advance the watermark and forget the batch, in one transaction. */
  ackBatch(batchId: string): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT to_seq FROM batches WHERE batch_id = ?').get(batchId) as { to_seq: number } | undefined;
      if (!row) return;
      this.db.prepare('DELETE FROM batches WHERE batch_id = ?').run(batchId);
      this.db
        .prepare("UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER), ?) AS TEXT) WHERE key = 'uploaded_through'")
        .run(row.to_seq);
    })();
  }

  /**
   * Forgets a batch the server refused as a whole (413: too large), so its entries can be sent
   * again in smaller batches under new ids. Only safe when the server stored none of it.
   */
  abandonBatch(batchId: string): void {
    this.db.prepare('DELETE FROM batches WHERE batch_id = ?').run(batchId);
  }

  /**
   * Deletes uploaded entries recorded before `beforeMs`; entries not yet uploaded are never deleted.
   * Batched so a purge of months of entries never holds the write lock for long.
   */
  purgeUploaded(beforeMs: number, chunk = 5000): number {
    const through = this.uploadedThrough();
    const del = this.db.prepare('DELETE FROM entries WHERE seq IN (SELECT seq FROM entries WHERE seq <= ? AND recorded_at < ? ORDER BY seq LIMIT ?)');
    let total = 0;
    for (;;) {
      const n = del.run(through, beforeMs, chunk).changes;
      total += n;
      if (n < chunk) return total;
    }
  }

  /** Wall time of the oldest pending entry, for the age bound of batches. */
  oldestPendingAt(): number | null {
    const row = this.db.prepare('SELECT recorded_at FROM entries WHERE seq > ? ORDER BY seq LIMIT 1').get(this.uploadedThrough()) as
      | { recorded_at: number }
      | undefined;
    return row?.recorded_at ?? null;
  }

  stats(): OutboxStats {
    const uploadedThrough = this.uploadedThrough();
    const last = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").get() as { seq: number } | undefined;
    const lastSeq = last?.seq ?? 0;
    return { lastSeq, uploadedThrough, pending: Math.max(0, lastSeq - uploadedThrough), oldestPendingAt: this.oldestPendingAt() };
  }

  close(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  private uploadedThrough(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'uploaded_through'").get() as { value: string };
    return Number(row.value);
  }
}

function toWire(row: EntryRow): WireEntry {
  return {
    entryId: stringifyUuid(new Uint8Array(row.entry_id)),
    seq: row.seq,
    recordedAt: row.recorded_at,
    bootId: row.boot_id,
    monoMs: row.mono_ms,
    clockSynced: row.clock_synced === 1,
    direction: row.direction as Direction,
    format: row.format as Format,
    verdict: row.verdict as Verdict,
    reasons: row.reasons === '' ? [] : row.reasons.split(','),
    source: row.source as StatusSource,
    status: row.status as HealthStatus,
    subject: row.subject_type === null || row.subject_id === null ? null : { type: row.subject_type as SubjectType, id: row.subject_id },
    dataAgeMs: row.data_age_ms,
    latencyMs: row.latency_ms,
    correctedAt: row.clock_synced === 0 && row.anchor_mono !== null && row.anchor_wall !== null ? Math.round(row.anchor_wall + (row.mono_ms - row.anchor_mono)) : null,
    sealedSubject: row.sealed_subject,
  };
}

/** SQLite failures sorted into the kinds that have their own recovery path. */
export function storageError(err: unknown, what: string): KioskError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL') return new KioskError('disk-full', `${what}: the disk is full`, { cause: err });
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DIRECTORY' || /read-only/i.test(message)) {
    return new KioskError('disk-read-only', `${what}: the storage is read-only`, { cause: err });
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new KioskError('outbox-corrupt', `${what}: the database file is damaged (${message})`, { cause: err });
  }
  if (err instanceof KioskError) return err;
  return new KioskError('storage-failed', `${what}: ${message}`, { cause: err });
}
