import Database from 'better-sqlite3';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { RISK_HASH_BYTES, RISK_PAGE_MAX, riskHashInput } from '../common/risk.ts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KioskError } from '../common/errors.ts';
import { migrate, type Migration } from '../common/migrate.ts';
import type { HealthStatus } from '../common/verdict.ts';
import type {
  BatchRequest,
  BatchResponse,
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
} from '../common/wire.ts';
import { dayRange, monthRange, venueReport, type VenueReport } from './report.ts';
import { serverMigration0010 } from './migrations/0010-initial.ts';
import { serverMigration0020 } from './migrations/0020-time-and-privacy.ts';
import { serverMigration0030 } from './migrations/0030-risk-list.ts';
import { serverMigration0040 } from './migrations/0040-passages.ts';
import { serverMigration0050 } from './migrations/0050-trust-list.ts';
import { serverMigration0060 } from './migrations/0060-decommission.ts';
import { ServerTrustList } from './trust-list.ts';

export const SERVER_MIGRATIONS: readonly Migration<Database.Database>[] = [serverMigration0010, serverMigration0020, serverMigration0030, serverMigration0040, serverMigration0050, serverMigration0060];

export interface Device {
  id: string;
  venueId: string;
  publicKey: string;
  riskKey: Buffer;
  /** Set once the device was decommissioned. */
  revokedAt?: number;
}

export interface Venue {
  id: string;
  name: string;
  kind: VenueKind;
}

export interface EnrollOutcome {
  device: Device;
  venue: Venue;
}

export interface ListEntriesQuery {
  venueId?: string;
  deviceId?: string;
  limit?: number;
  /** Entries received after this one (entry_id order is time order for UUIDv7). */
  afterEntryId?: string;
}

/** Crockford base32 without I, L, O, U: read aloud or typed from a printout without mistakes. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The reference server's storage: embedded SQLite, WAL, synchronous=FULL for everything that is
 * acknowledged to a kiosk (an acknowledged batch may be purged from the kiosk, so it must survive a
 * crash here). Nonces go through a second connection without fsync: losing one costs a replay window
 * of minutes for an idempotent request.
 */
export class ServerStore {
  readonly db: Database.Database;
  private readonly nonceDb: Database.Database;
  private readonly now: () => number;
  private readonly insertEntry: Database.Statement;

  constructor(path: string, now: () => number = Date.now) {
    this.now = now;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
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
        data_age_ms, latency_ms, corrected_at, sealed_subject)
      VALUES (@entryId, @deviceId, @venueId, @seq, @batchId, @receivedAt, @recordedAt, @bootId, @monoMs, @clockSynced,
        @direction, @format, @verdict, @reasons, @source, @status, @subjectType, @subjectId, @dataAgeMs, @latencyMs,
        @correctedAt, @sealedSubject)`);
    this.serverKey = this.loadOrCreateServerKey();
    this.riskKey = Buffer.from(this.loadOrCreateMeta('risk_key', () => randomBytes(32).toString('base64url')), 'base64url');
    this.trustList = new ServerTrustList(this.db, this.serverKey);
  }

  /** The EU DCC trust list and value sets kiosks sync. */
  readonly trustList: ServerTrustList;

  /** The HMAC key of the risk list; every device receives it at enrollment. */
  readonly riskKey: Buffer;

  private loadOrCreateMeta(key: string, make: () => string): string {
    this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, make());
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
  }

  /** The server's Ed25519 key, made on first start and kept in the database. */
  readonly serverKey: KeyObject;

  /** Its public half, raw, base64url: what enrollment hands to kiosks. */
  serverPublicKey(): string {
    const der = createPublicKey(this.serverKey).export({ format: 'der', type: 'spki' });
    return der.subarray(der.length - 32).toString('base64url');
  }

  private loadOrCreateServerKey(): KeyObject {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'server_key'").get() as { value: string } | undefined;
    if (row) return createPrivateKey(row.value);
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('server_key', ?)").run(pem);
    const stored = (this.db.prepare("SELECT value FROM meta WHERE key = 'server_key'").get() as { value: string }).value;
    return createPrivateKey(stored);
  }

  close(): void {
    if (this.nonceDb !== this.db) this.nonceDb.close();
    this.db.close();
  }

  // --- venues and enrollment ----------------------------------------------------------------

  createVenue(name: string, kind: VenueKind, codeTtlMs = 24 * 3600_000): VenueCreated {
    const venueId = `v_${randomBytes(6).toString('hex')}`;
    const now = this.now();
    this.db.prepare('INSERT INTO venues (id, name, kind, created_at) VALUES (?, ?, ?, ?)').run(venueId, name, kind, now);
    const { code, expiresAt } = this.issueEnrollmentCode(venueId, codeTtlMs);
    return { venueId, enrollmentCode: code, expiresAt };
  }

  issueEnrollmentCode(venueId: string, ttlMs = 24 * 3600_000): { code: string; expiresAt: number } {
    if (!this.venue(venueId)) throw new KioskError('not-found', `venue ${venueId} does not exist`);
    let code = '';
    for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    code = `${code.slice(0, 5)}-${code.slice(5)}`;
    const now = this.now();
    const expiresAt = now + ttlMs;
    this.db
      .prepare('INSERT INTO enrollment_codes (code, venue_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(code, venueId, now, expiresAt);
    return { code, expiresAt };
  }

  venue(id: string): Venue | undefined {
    return this.db.prepare('SELECT id, name, kind FROM venues WHERE id = ?').get(id) as Venue | undefined;
  }

  listVenues(): Venue[] {
    return this.db.prepare('SELECT id, name, kind FROM venues ORDER BY created_at').all() as Venue[];
  }

  /** Trades a one-time code for a device identity. Codes are case-insensitive and ignore dashes. */
  enroll(rawCode: string, publicKey: string, name: string | undefined): EnrollOutcome {
    const code = normaliseCode(rawCode);
    return this.db.transaction((): EnrollOutcome => {
      const row = this.db.prepare('SELECT venue_id, expires_at, used_at FROM enrollment_codes WHERE code = ?').get(code) as
        | { venue_id: string; expires_at: number; used_at: number | null }
        | undefined;
      if (!row) throw new KioskError('enroll-code-invalid', 'enrollment code not known: check it for typos or ask for a new one');
      if (row.used_at !== null) throw new KioskError('enroll-code-used', 'enrollment code already used: each code enrolls one device; ask for a new one');
      if (row.expires_at < this.now()) throw new KioskError('enroll-code-expired', 'enrollment code expired: ask the venue administrator for a new one');
      if (this.db.prepare('SELECT 1 FROM devices WHERE public_key = ?').get(publicKey)) {
        throw new KioskError('bad-request', 'this public key is already enrolled');
      }
      const device: Device = {
        id: `d_${randomBytes(8).toString('hex')}`,
        venueId: row.venue_id,
        publicKey,
        riskKey: this.riskKey,
      };
      const now = this.now();
      this.db
        .prepare('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(device.id, device.venueId, publicKey, name ?? null, device.riskKey, now);
      this.db.prepare('UPDATE enrollment_codes SET used_at = ?, device_id = ? WHERE code = ?').run(now, device.id, code);
      return { device, venue: this.venue(row.venue_id) as Venue };
    })();
  }

  device(id: string): Device | undefined {
    const row = this.db.prepare('SELECT id, venue_id, public_key, risk_key, revoked_at FROM devices WHERE id = ?').get(id) as
      | { id: string; venue_id: string; public_key: string; risk_key: Buffer; revoked_at: number | null }
      | undefined;
    return row && { id: row.id, venueId: row.venue_id, publicKey: row.public_key, riskKey: row.risk_key, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) };
  }

  /** Decommissions a device: from now on its signature is refused. Idempotent. */
  revokeDevice(id: string): number {
    this.db.prepare('UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(this.now(), id);
    return (this.db.prepare('SELECT revoked_at FROM devices WHERE id = ?').get(id) as { revoked_at: number }).revoked_at;
  }

  /** Records a nonce; false when it was seen before (a replay). Expired nonces are pruned as we go. */
  useNonce(deviceId: string, nonce: string, expiresAt: number): boolean {
    const info = this.nonceDb.prepare('INSERT OR IGNORE INTO nonces (device_id, nonce, expires_at) VALUES (?, ?, ?)').run(deviceId, nonce, expiresAt);
    if (Math.random() < 0.01) this.nonceDb.prepare('DELETE FROM nonces WHERE expires_at < ?').run(this.now());
    return info.changes === 1;
  }

  // --- status -------------------------------------------------------------------------------

  setSubjectStatus(subject: Subject, status: HealthStatus, flags: readonly string[] = [], declaredAt: number | null = null): void {
    const isFlagged = status === 'red' || flags.includes('F0') || flags.includes('F1');
    this.setRiskListed(this.riskHash(subject), isFlagged);
    this.db
      .prepare(
        `INSERT INTO subjects (type, id, status, flags, declared_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (type, id) DO UPDATE SET status = excluded.status, flags = excluded.flags,
           declared_at = excluded.declared_at, updated_at = excluded.updated_at`,
      )
      .run(subject.type, subject.id, status, flags.join(','), declaredAt, this.now());
  }

  riskHash(subject: Subject): Buffer {
    return createHmac('sha256', this.riskKey).update(riskHashInput(subject.type, subject.id)).digest().subarray(0, RISK_HASH_BYTES);
  }

  /** Adds or removes a hash on the published list, logging the change for delta sync. */
  private setRiskListed(hash: Buffer, isListed: boolean): void {
    const isThere = this.db.prepare('SELECT 1 FROM risk_list WHERE hash = ?').get(hash) !== undefined;
    if (isThere === isListed) return;
    if (isListed) this.db.prepare('INSERT INTO risk_list (hash) VALUES (?)').run(hash);
    else this.db.prepare('DELETE FROM risk_list WHERE hash = ?').run(hash);
    this.db.prepare('INSERT INTO risk_changes (hash, is_added, at) VALUES (?, ?, ?)').run(hash, isListed ? 1 : 0, this.now());
  }

  /** One page of the risk list for a kiosk at `cursor` (docs/api.md, "Offline risk list"). */
  riskListPage(cursor: number, after: string | undefined, limit = RISK_PAGE_MAX): RiskListResponse {
    const pageSize = Math.min(Math.max(1, limit), RISK_PAGE_MAX);
    const head = (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'risk_changes'").get() as { seq: number } | undefined)?.seq ?? 0;
    if (cursor > head) throw new KioskError('bad-request', `cursor ${cursor} is ahead of the list (${head}); resync from 0`);
    if (cursor === 0) {
      const rows = this.db
        .prepare('SELECT hash FROM risk_list WHERE hash > ? ORDER BY hash LIMIT ?')
        .all(after ? Buffer.from(after, 'hex') : Buffer.alloc(0), pageSize) as Array<{ hash: Buffer }>;
      const hashes = Buffer.concat(rows.map((r) => r.hash));
      return {
        mode: 'snapshot',
        snapshotCursor: head,
        hashes: hashes.toString('base64'),
        next: rows.length === pageSize ? (rows.at(-1) as { hash: Buffer }).hash.toString('hex') : null,
      };
    }
    const changes = this.db.prepare('SELECT seq, hash, is_added FROM risk_changes WHERE seq > ? ORDER BY seq LIMIT ?').all(cursor, pageSize) as Array<{
      seq: number;
      hash: Buffer;
      is_added: number;
    }>;
    // Net effect per hash within the page: the last change wins.
    const net = new Map<string, { hash: Buffer; isAdded: boolean }>();
    for (const c of changes) net.set(c.hash.toString('hex'), { hash: c.hash, isAdded: c.is_added === 1 });
    const added = [...net.values()].filter((c) => c.isAdded).map((c) => c.hash);
    const removed = [...net.values()].filter((c) => !c.isAdded).map((c) => c.hash);
    const next = changes.at(-1)?.seq ?? cursor;
    return { mode: 'delta', cursor: next, added: Buffer.concat(added).toString('base64'), removed: Buffer.concat(removed).toString('base64'), hasMore: next < head };
  }

  lookupStatus(subject: Subject): StatusResponse {
    const row = this.db.prepare('SELECT status, flags, declared_at FROM subjects WHERE type = ? AND id = ?').get(subject.type, subject.id) as
      | { status: HealthStatus; flags: string; declared_at: number | null }
      | undefined;
    if (!row) return { status: 'unknown', flags: [], declaredAt: null, ttlMs: 60_000 };
    return {
      status: row.status,
      flags: row.flags === '' ? [] : (row.flags.split(',') as StatusResponse['flags']),
      declaredAt: row.declared_at,
      ttlMs: 300_000,
    };
  }

  // --- ingest -------------------------------------------------------------------------------

  /**
   * Stores a batch exactly once: a batch id seen before is answered again without storing anything,
   * and each entry id is stored once whatever batch carries it. One transaction, one fsync.
   */
  ingestBatch(device: Device, batch: BatchRequest): BatchResponse {
    return this.db.transaction((): BatchResponse => {
      const now = this.now();
      const seen = this.db.prepare('SELECT 1 FROM batches WHERE batch_id = ?').get(batch.batchId);
      let accepted = 0;
      if (!seen) {
        for (const e of batch.entries) {
          accepted += this.insertEntry.run(entryParams(e, device, batch.batchId, now)).changes;
        }
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
        gaps: this.gaps(device.id),
        replayed: seen !== undefined,
      };
    })();
  }

  /**
   * Re-times the entries of one boot that were recorded with an unsynchronised clock, keeping
   * `recorded_at` as the kiosk wrote it. Later anchors of the same boot overwrite earlier ones.
   */
  applyTimeAnchor(deviceId: string, anchor: TimeAnchor): number {
    return this.db
      .prepare('UPDATE entries SET corrected_at = CAST(round(? + (mono_ms - ?)) AS INTEGER) WHERE device_id = ? AND boot_id = ? AND clock_synced = 0')
      .run(anchor.wallMs, anchor.monoMs, deviceId, anchor.bootId).changes;
  }

  /** Closed-loop outcomes for this device's entries; answers the entry ids it does not hold. */
  applyPassages(device: Device, passages: readonly Passage[]): { applied: number; unknown: string[] } {
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

  /** Seq ranges of a device never received, below the highest received. */
  gaps(deviceId: string): SeqRange[] {
    const ranges = this.db.prepare('SELECT from_seq, to_seq FROM seq_ranges WHERE device_id = ? ORDER BY from_seq').all(deviceId) as Array<{
      from_seq: number;
      to_seq: number;
    }>;
    const gaps: SeqRange[] = [];
    let next = 1;
    for (const r of ranges) {
      if (r.from_seq > next) gaps.push({ from: next, to: r.from_seq - 1 });
      next = Math.max(next, r.to_seq + 1);
    }
    return gaps;
  }

  private addSeqRanges(deviceId: string, runs: SeqRange[]): void {
    const select = this.db.prepare(
      'SELECT from_seq, to_seq FROM seq_ranges WHERE device_id = ? AND to_seq >= ? AND from_seq <= ? ORDER BY from_seq',
    );
    const del = this.db.prepare('DELETE FROM seq_ranges WHERE device_id = ? AND from_seq = ?');
    const ins = this.db.prepare('INSERT INTO seq_ranges (device_id, from_seq, to_seq) VALUES (?, ?, ?)');
    for (const run of runs) {
      let from = run.from;
      let to = run.to;
      // Touching or overlapping ranges merge into one.
      const overlapping = select.all(deviceId, from - 1, to + 1) as Array<{ from_seq: number; to_seq: number }>;
      for (const r of overlapping) {
        from = Math.min(from, r.from_seq);
        to = Math.max(to, r.to_seq);
        del.run(deviceId, r.from_seq);
      }
      ins.run(deviceId, from, to);
    }
  }

  listEntries(query: ListEntriesQuery = {}): StoredEntry[] {
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

  /** The monthly report (`month` = YYYY-MM) or a daily one (`date` = YYYY-MM-DD) of a venue. */
  report(venueId: string, period: { month: string } | { date: string }): VenueReport {
    const venue = this.venue(venueId);
    if (!venue) throw new KioskError('not-found', `venue ${venueId} does not exist`);
    const range = 'month' in period ? monthRange(period.month) : dayRange(period.date);
    return venueReport(this.db, venue, range, (d) => this.gaps(d), this.now());
  }

  countEntries(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  }
}

interface EntryRow {
  entry_id: string;
  device_id: string;
  venue_id: string;
  seq: number;
  batch_id: string;
  received_at: number;
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
  corrected_at: number | null;
  sealed_subject: string | null;
  passage: string | null;
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
  };
}

function rowToStored(r: EntryRow): StoredEntry {
  return {
    entryId: r.entry_id,
    deviceId: r.device_id,
    venueId: r.venue_id,
    seq: r.seq,
    batchId: r.batch_id,
    receivedAt: r.received_at,
    recordedAt: r.recorded_at,
    bootId: r.boot_id,
    monoMs: r.mono_ms,
    clockSynced: r.clock_synced === 1,
    direction: r.direction as StoredEntry['direction'],
    format: r.format as StoredEntry['format'],
    verdict: r.verdict as StoredEntry['verdict'],
    reasons: r.reasons === '' ? [] : r.reasons.split(','),
    source: r.source as StoredEntry['source'],
    status: r.status as StoredEntry['status'],
    subject: r.subject_type && r.subject_id ? { type: r.subject_type as Subject['type'], id: r.subject_id } : null,
    dataAgeMs: r.data_age_ms,
    latencyMs: r.latency_ms,
    correctedAt: r.corrected_at,
    sealedSubject: r.sealed_subject,
    ...(r.passage ? { passage: r.passage as 'passed' | 'not-passed' } : {}),
  };
}

/** Sorted contiguous runs of a list of seqs: [1,2,3,7,8] → [{1,3},{7,8}]. */
export function runsOf(seqs: readonly number[]): SeqRange[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const runs: SeqRange[] = [];
  for (const s of sorted) {
    const last = runs.at(-1);
    if (last && s === last.to + 1) last.to = s;
    else runs.push({ from: s, to: s });
  }
  return runs;
}

export function normaliseCode(code: string): string {
  const compact = code.toUpperCase().replace(/[^0-9A-Z]/g, '');
  return compact.length === 10 ? `${compact.slice(0, 5)}-${compact.slice(5)}` : compact;
}
