import Database from 'better-sqlite3';
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RISK_PAGE_MAX } from '../../../common/risk.ts';
import { KioskError } from '../../../common/errors.ts';
import { migrate, type Migration } from '../../../common/migrate.ts';
import type { HealthStatus } from '../../../common/verdict.ts';
import type {
  BatchRequest,
  BatchResponse,
  EntryKey,
  Passage,
  RiskListResponse,
  SeqRange,
  TimeAnchor,
  StatusResponse,
  StoredEntry,
  Subject,
  VenueCreated,
  VenueKind,
  WireEntry,
} from '../../../common/wire.ts';
import { reportRange, shapeVenueReport, VN_OFFSET_MS, type RawFigures, type VenueReport } from '../../services/report.ts';
import {
  checkEnrollmentCode,
  DEFAULT_CODE_TTL_MS,
  gapsOf,
  isRiskListed,
  keyAlreadyEnrolled,
  mergeRanges,
  newDeviceId,
  newEnrollmentCode,
  newVenueId,
  normaliseCode,
  riskDeltaPage,
  riskHash,
  riskSnapshotPage,
  runsOf,
  statusOf,
  type RiskChangeRow,
} from '../rules.ts';
import type {
  Admission,
  Device,
  EnrollOutcome,
  ListEntriesQuery,
  MaintenanceOutcome,
  RateLimitOutcome,
  ServerStore,
  SubjectStatusRow,
  Venue,
} from '../store.ts';
import { rowToStored, type EntryRow } from '../entry-rows.ts';
import { serverMigration0010 } from './migrations/0010-initial.ts';
import { serverMigration0020 } from './migrations/0020-time-and-privacy.ts';
import { serverMigration0030 } from './migrations/0030-risk-list.ts';
import { serverMigration0040 } from './migrations/0040-passages.ts';
import { serverMigration0050 } from './migrations/0050-trust-list.ts';
import { serverMigration0060 } from './migrations/0060-decommission.ts';
import { serverMigration0070 } from './migrations/0070-national.ts';
import { serverMigration0080 } from './migrations/0080-tracing.ts';
import { SqliteTracing } from './tracing.ts';
import { serverMigration0090 } from './migrations/0090-deployment.ts';
import { serverMigration0100 } from './migrations/0100-day-counts.ts';
import { serverMigration0110 } from './migrations/0110-trace-windows.ts';
import { SqliteDeployment } from './deployment.ts';
import { SqliteTrustList } from './trust-list.ts';
import { SqliteSeedLoader } from './seed-load.ts';

export const SERVER_MIGRATIONS: readonly Migration<Database.Database>[] = [
  serverMigration0010,
  serverMigration0020,
  serverMigration0030,
  serverMigration0040,
  serverMigration0050,
  serverMigration0060,
  serverMigration0070,
  serverMigration0080,
  serverMigration0090,
  serverMigration0100,
  serverMigration0110,
];

/**
 * The reference server's embedded engine: SQLite, WAL, synchronous=FULL for everything that is
 * acknowledged to a kiosk (an acknowledged batch may be purged from the kiosk, so it must survive a
 * crash here). Nonces go through a second connection without fsync: losing one costs a replay window
 * of minutes for an idempotent request. WAL and a busy timeout let `kiosk server … --db FILE` and
 * several workers use the file while a server runs on it. better-sqlite3 is synchronous; the methods
 * are async only to share the interface with PostgreSQL.
 */
export class SqliteStore implements ServerStore {
  readonly engine = 'sqlite' as const;
  readonly location: string;
  readonly db: Database.Database;
  readonly serverKey: KeyObject;
  readonly riskKey: Buffer;
  readonly trustList: SqliteTrustList;
  readonly tracing: SqliteTracing;
  readonly deployment: SqliteDeployment;
  readonly seedLoader: SqliteSeedLoader;
  private readonly nonceDb: Database.Database;
  private readonly now: () => number;
  private readonly insertEntry: Database.Statement;

  constructor(path: string, now: () => number = Date.now) {
    this.now = now;
    this.location = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      throw new KioskError('store-unavailable', `cannot open the SQLite database ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db, SERVER_MIGRATIONS, 'server');
    this.nonceDb = path === ':memory:' ? this.db : new Database(path);
    if (this.nonceDb !== this.db) {
      this.nonceDb.pragma('synchronous = OFF');
      this.nonceDb.pragma('busy_timeout = 5000');
    }
    this.insertEntry = this.db.prepare(`
      INSERT OR IGNORE INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id,
        mono_ms, clock_synced, direction, format, verdict, reasons, source, status, subject_type, subject_id,
        data_age_ms, latency_ms, corrected_at, sealed_subject, alt_type, alt_id, blind_index, blind_alt)
      VALUES (@entryId, @deviceId, @venueId, @seq, @batchId, @receivedAt, @recordedAt, @bootId, @monoMs, @clockSynced,
        @direction, @format, @verdict, @reasons, @source, @status, @subjectType, @subjectId, @dataAgeMs, @latencyMs,
        @correctedAt, @sealedSubject, @altType, @altId, @blindIndex, @blindAlt)`);
    this.serverKey = createPrivateKey(this.loadOrCreateMeta('server_key', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
    this.riskKey = Buffer.from(this.loadOrCreateMeta('risk_key', () => randomBytes(32).toString('base64url')), 'base64url');
    this.trustList = new SqliteTrustList(this.db, this.serverKey);
    this.tracing = new SqliteTracing(this.db, this.now);
    this.deployment = new SqliteDeployment(this.db);
    this.seedLoader = new SqliteSeedLoader(this.db, this.riskKey);
  }

  private loadOrCreateMeta(key: string, make: () => string): string {
    this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, make());
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    if (this.nonceDb !== this.db) this.nonceDb.close();
    this.db.close();
  }

  // --- venues and enrollment ----------------------------------------------------------------

  async createVenue(name: string, kind: VenueKind, codeTtlMs = DEFAULT_CODE_TTL_MS): Promise<VenueCreated> {
    const venueId = newVenueId();
    this.db.prepare('INSERT INTO venues (id, name, kind, created_at) VALUES (?, ?, ?, ?)').run(venueId, name, kind, this.now());
    const { code, expiresAt } = await this.issueEnrollmentCode(venueId, codeTtlMs);
    return { venueId, enrollmentCode: code, expiresAt };
  }

  async issueEnrollmentCode(venueId: string, ttlMs = DEFAULT_CODE_TTL_MS): Promise<{ code: string; expiresAt: number }> {
    if (!this.venueNow(venueId)) throw new KioskError('not-found', `venue ${venueId} does not exist`);
    const code = newEnrollmentCode();
    const now = this.now();
    const expiresAt = now + ttlMs;
    this.db.prepare('INSERT INTO enrollment_codes (code, venue_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(code, venueId, now, expiresAt);
    return { code, expiresAt };
  }

  async venue(id: string): Promise<Venue | undefined> {
    return this.venueNow(id);
  }

  private venueNow(id: string): Venue | undefined {
    return this.db.prepare('SELECT id, name, kind FROM venues WHERE id = ?').get(id) as Venue | undefined;
  }

  async listVenues(): Promise<Venue[]> {
    return this.db.prepare('SELECT id, name, kind FROM venues ORDER BY created_at, id').all() as Venue[];
  }

  async enroll(rawCode: string, publicKey: string, name: string | undefined): Promise<EnrollOutcome> {
    const code = normaliseCode(rawCode);
    // IMMEDIATE: the write lock is taken before the code is read, so two processes cannot both use it.
    return this.db.transaction((): EnrollOutcome => {
      const row = this.db.prepare('SELECT venue_id AS venueId, expires_at AS expiresAt, used_at AS usedAt FROM enrollment_codes WHERE code = ?').get(code) as
        | { venueId: string; expiresAt: number; usedAt: number | null }
        | undefined;
      checkEnrollmentCode(row, this.now());
      if (this.db.prepare('SELECT 1 FROM devices WHERE public_key = ?').get(publicKey)) throw keyAlreadyEnrolled();
      const device: Device = { id: newDeviceId(), venueId: row.venueId, publicKey, riskKey: this.riskKey };
      const now = this.now();
      this.db
        .prepare('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(device.id, device.venueId, publicKey, name ?? null, device.riskKey, now);
      this.db.prepare('UPDATE enrollment_codes SET used_at = ?, device_id = ? WHERE code = ?').run(now, device.id, code);
      return { device, venue: this.venueNow(row.venueId) as Venue };
    }).immediate();
  }

  async device(id: string): Promise<Device | undefined> {
    const row = this.db.prepare('SELECT id, venue_id, public_key, risk_key, revoked_at FROM devices WHERE id = ?').get(id) as
      | { id: string; venue_id: string; public_key: string; risk_key: Buffer; revoked_at: number | null }
      | undefined;
    return row && { id: row.id, venueId: row.venue_id, publicKey: row.public_key, riskKey: row.risk_key, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) };
  }

  async revokeDevice(id: string): Promise<number> {
    this.db.prepare('UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(this.now(), id);
    const row = this.db.prepare('SELECT revoked_at FROM devices WHERE id = ?').get(id) as { revoked_at: number } | undefined;
    if (!row) throw new KioskError('not-found', `device ${id} does not exist`);
    return row.revoked_at;
  }

  async admitRequest(deviceId: string, nonce: string, expiresAt: number): Promise<Admission | undefined> {
    const device = this.db.prepare<[string], { revoked_at: number | null }>('SELECT revoked_at FROM devices WHERE id = ?').get(deviceId);
    if (!device) return undefined;
    const fresh = this.nonceDb.prepare('INSERT OR IGNORE INTO nonces (device_id, nonce, expires_at) VALUES (?, ?, ?)').run(deviceId, nonce, expiresAt).changes === 1;
    return device.revoked_at === null ? { fresh } : { fresh, revokedAt: device.revoked_at };
  }

  async takeRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome> {
    const now = this.now();
    const row = this.nonceDb
      .prepare(
        `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN window_start <= ? THEN 1 ELSE count + 1 END,
           window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END
         RETURNING window_start AS windowStart, count`,
      )
      .get(key, now, now - windowMs, now - windowMs) as { windowStart: number; count: number };
    return { allowed: row.count <= limit, count: row.count, retryAfterMs: Math.max(0, row.windowStart + windowMs - now) };
  }

  // --- status -------------------------------------------------------------------------------

  async setSubjectStatuses(rows: readonly SubjectStatusRow[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO subjects (type, id, status, flags, declared_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (type, id) DO UPDATE SET status = excluded.status, flags = excluded.flags,
         declared_at = excluded.declared_at, updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      for (const r of rows) {
        this.setRiskListed(riskHash(this.riskKey, r.subject), isRiskListed(r.status, r.flags));
        upsert.run(r.subject.type, r.subject.id, r.status, r.flags.join(','), r.declaredAt, this.now());
      }
    })();
  }

  /** Adds or removes a hash on the published list, logging the change for delta sync. */
  private setRiskListed(hash: Buffer, isListed: boolean): void {
    const isThere = this.db.prepare('SELECT 1 FROM risk_list WHERE hash = ?').get(hash) !== undefined;
    if (isThere === isListed) return;
    if (isListed) this.db.prepare('INSERT INTO risk_list (hash) VALUES (?)').run(hash);
    else this.db.prepare('DELETE FROM risk_list WHERE hash = ?').run(hash);
    this.db.prepare('INSERT INTO risk_changes (hash, is_added, at) VALUES (?, ?, ?)').run(hash, isListed ? 1 : 0, this.now());
  }

  async riskListPage(cursor: number, after: string | undefined, limit = RISK_PAGE_MAX): Promise<RiskListResponse> {
    const pageSize = Math.min(Math.max(1, limit), RISK_PAGE_MAX);
    const head = (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'risk_changes'").get() as { seq: number } | undefined)?.seq ?? 0;
    if (cursor > head) throw new KioskError('bad-request', `cursor ${cursor} is ahead of the list (${head}); resync from 0`);
    if (cursor === 0) {
      const rows = this.db
        .prepare('SELECT hash FROM risk_list WHERE hash > ? ORDER BY hash LIMIT ?')
        .all(after ? Buffer.from(after, 'hex') : Buffer.alloc(0), pageSize) as Array<{ hash: Buffer }>;
      return riskSnapshotPage(rows.map((r) => r.hash), head, pageSize);
    }
    const changes = this.db.prepare('SELECT seq, hash, is_added FROM risk_changes WHERE seq > ? ORDER BY seq LIMIT ?').all(cursor, pageSize) as RiskChangeRow[];
    return riskDeltaPage(changes, cursor, head);
  }

  async lookupStatus(subject: Subject): Promise<StatusResponse> {
    const row = this.db.prepare('SELECT status, flags, declared_at FROM subjects WHERE type = ? AND id = ?').get(subject.type, subject.id) as
      | { status: HealthStatus; flags: string; declared_at: number | null }
      | undefined;
    return statusOf(row);
  }

  // --- ingest -------------------------------------------------------------------------------

  async ingestBatch(device: Device, batch: BatchRequest): Promise<BatchResponse> {
    return this.db.transaction((): BatchResponse => {
      const now = this.now();
      const seen = this.db.prepare('SELECT 1 FROM batches WHERE batch_id = ?').get(batch.batchId);
      let accepted = 0;
      if (!seen) {
        for (const e of batch.entries) accepted += this.insertEntry.run(entryParams(e, device, batch.batchId, now)).changes;
        this.db
          .prepare('INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates) VALUES (?, ?, ?, ?, ?, ?)')
          .run(batch.batchId, device.id, now, batch.entries.length, accepted, batch.entries.length - accepted);
        this.addSeqRanges(device.id, runsOf(batch.entries.map((e) => e.seq)));
        this.db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(now, device.id);
      }
      // Anchors apply on every delivery: a retried batch may carry a newer one.
      for (const anchor of batch.timeAnchors) this.applyTimeAnchor(device.id, anchor);
      return {
        batchId: batch.batchId,
        accepted,
        duplicates: batch.entries.length - accepted,
        acked: runsOf(batch.entries.map((e) => e.seq)),
        gaps: this.gapsNow(device.id),
        replayed: seen !== undefined,
      };
    }).immediate();
  }

  /**
   * Re-times the entries of one boot that were recorded with an unsynchronised clock, keeping
   * `recorded_at` as the kiosk wrote it. Later anchors of the same boot overwrite earlier ones.
   */
  private applyTimeAnchor(deviceId: string, anchor: TimeAnchor): number {
    return this.db
      .prepare('UPDATE entries SET corrected_at = CAST(round(? + (mono_ms - ?)) AS INTEGER) WHERE device_id = ? AND boot_id = ? AND clock_synced = 0')
      .run(anchor.wallMs, anchor.monoMs, deviceId, anchor.bootId).changes;
  }

  async applyPassages(device: Device, passages: readonly Passage[]): Promise<{ applied: number; unknown: string[] }> {
    const update = this.db.prepare('UPDATE entries SET passage = ?, passage_at = ? WHERE entry_id = ? AND device_id = ?');
    const unknown: string[] = [];
    let applied = 0;
    this.db.transaction(() => {
      for (const p of passages) {
        const n = update.run(p.passed ? 'passed' : 'not-passed', p.at, p.entryId, device.id).changes;
        if (n === 0) unknown.push(p.entryId);
        applied += n;
      }
    })();
    return { applied, unknown };
  }

  async gaps(deviceId: string): Promise<SeqRange[]> {
    return this.gapsNow(deviceId);
  }

  private seqRanges(deviceId: string): SeqRange[] {
    return this.db.prepare('SELECT from_seq AS "from", to_seq AS "to" FROM seq_ranges WHERE device_id = ? ORDER BY from_seq').all(deviceId) as SeqRange[];
  }

  private gapsNow(deviceId: string): SeqRange[] {
    return gapsOf(this.seqRanges(deviceId));
  }

  private addSeqRanges(deviceId: string, runs: SeqRange[]): void {
    const merged = mergeRanges(this.seqRanges(deviceId), runs);
    this.db.prepare('DELETE FROM seq_ranges WHERE device_id = ?').run(deviceId);
    const ins = this.db.prepare('INSERT INTO seq_ranges (device_id, from_seq, to_seq) VALUES (?, ?, ?)');
    for (const r of merged) ins.run(deviceId, r.from, r.to);
  }

  async listEntries(query: ListEntriesQuery = {}): Promise<StoredEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.venueId) {
      where.push('venue_id = ?');
      params.push(query.venueId);
    }
    if (query.deviceId) {
      where.push('device_id = ?');
      params.push(query.deviceId);
    }
    if (query.afterEntryId) {
      where.push('entry_id > ?');
      params.push(query.afterEntryId);
    }
    const sql = `SELECT * FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY device_id, seq LIMIT ?`;
    params.push(Math.min(query.limit ?? 1_000_000, 1_000_000));
    return (this.db.prepare(sql).all(...params) as EntryRow[]).map(rowToStored);
  }

  async entryKeys(query: { venueId?: string; afterEntryId?: string; limit: number }): Promise<EntryKey[]> {
    return this.db
      .prepare(`SELECT entry_id AS entryId, device_id AS deviceId, seq FROM entries WHERE (? IS NULL OR venue_id = ?) AND entry_id > ? ORDER BY entry_id LIMIT ?`)
      .all(query.venueId ?? null, query.venueId ?? null, query.afterEntryId ?? '', query.limit) as EntryKey[];
  }

  async report(venueId: string, period: { month: string } | { date: string }): Promise<VenueReport> {
    const venue = this.venueNow(venueId);
    if (!venue) throw new KioskError('not-found', `venue ${venueId} does not exist`);
    const range = reportRange(period);
    const at = 'COALESCE(corrected_at, recorded_at)';
    const figures = `
      SUM(direction = 'in') AS entries, SUM(direction = 'out') AS exits,
      SUM(verdict = 'allow') AS allowed, SUM(verdict = 'deny') AS denied, SUM(verdict = 'warn') AS warned,
      SUM(',' || reasons || ',' LIKE '%,unreadable,%') AS unreadable, SUM(source = 'offline') AS offlineDecisions,
      COUNT(DISTINCT CASE WHEN direction = 'in' THEN subject_type || ':' || subject_id END) AS distinctPeople`;
    const where = `venue_id = ? AND ${at} >= ? AND ${at} < ?`;
    const days = this.db
      .prepare(`SELECT date((${at} + ?) / 1000, 'unixepoch') AS date, ${figures} FROM entries WHERE ${where} GROUP BY 1 ORDER BY 1`)
      .all(VN_OFFSET_MS, venue.id, range.fromMs, range.toMs) as Array<{ date: string } & RawFigures>;
    const totals = this.db.prepare(`SELECT ${figures} FROM entries WHERE ${where}`).get(venue.id, range.fromMs, range.toMs) as RawFigures;
    const devices = (
      this.db.prepare(`SELECT device_id AS deviceId, COUNT(*) AS entries FROM entries WHERE ${where} GROUP BY 1 ORDER BY 1`).all(venue.id, range.fromMs, range.toMs) as Array<{
        deviceId: string;
        entries: number;
      }>
    ).map((d) => ({ ...d, gaps: this.gapsNow(d.deviceId) }));
    return shapeVenueReport(venue, range, days, totals, devices, this.now());
  }

  async countEntries(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  }

  async maintain(retentionDays: number): Promise<MaintenanceOutcome> {
    const now = this.now();
    const deletedRows = this.db.prepare('DELETE FROM entries WHERE recorded_at < ?').run(now - retentionDays * 86_400_000).changes;
    this.nonceDb.prepare('DELETE FROM nonces WHERE expires_at < ?').run(now);
    this.nonceDb.prepare('DELETE FROM rate_limits WHERE window_start < ?').run(now - 86_400_000);
    return { created: [], dropped: [], deletedRows };
  }
}


function entryParams(e: WireEntry, device: Device, batchId: string, now: number): Record<string, unknown> {
  return {
    entryId: e.entryId,
    deviceId: device.id,
    venueId: device.venueId,
    seq: e.seq,
    batchId,
    receivedAt: now,
    recordedAt: e.recordedAt,
    bootId: e.bootId,
    monoMs: e.monoMs,
    clockSynced: e.clockSynced ? 1 : 0,
    direction: e.direction,
    format: e.format,
    verdict: e.verdict,
    reasons: e.reasons.join(','),
    source: e.source,
    status: e.status,
    subjectType: e.subject?.type ?? null,
    subjectId: e.subject?.id ?? null,
    dataAgeMs: e.dataAgeMs,
    latencyMs: e.latencyMs,
    correctedAt: e.correctedAt,
    sealedSubject: e.sealedSubject,
    altType: e.altSubject?.type ?? null,
    altId: e.altSubject?.id ?? null,
    blindIndex: e.blindIndex?.[0] ?? null,
    blindAlt: e.blindIndex?.[1] ?? null,
  };
}


