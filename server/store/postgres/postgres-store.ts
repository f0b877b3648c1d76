import pg from 'pg';
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { RISK_PAGE_MAX } from '../../../common/risk.ts';
import { KioskError } from '../../../common/errors.ts';
import type { HealthStatus } from '../../../common/verdict.ts';
import type {
  BatchRequest,
  BatchResponse,
  EntryKey,
  Passage,
  RiskListResponse,
  SeqRange,
  StatusResponse,
  StoredEntry,
  Subject,
  VenueCreated,
  VenueKind,
} from '../../../common/wire.ts';
import { reportRange, shapeVenueReport, VN_OFFSET_MS, type RawFigures, type VenueReport } from '../../services/report.ts';
import { redactDb } from '../location.ts';
import {
  checkEnrollmentCode,
  DEFAULT_CODE_TTL_MS,
  gapsOf,
  isRiskListed,
  keyAlreadyEnrolled,
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
import type { Admission, Device, EnrollOutcome, ListEntriesQuery, MaintenanceOutcome, OpenStoreOptions, RateLimitOutcome, ServerStore, SubjectStatusRow, Venue } from '../store.ts';
import { rowToStored, type EntryRow } from '../entry-rows.ts';
import { migratePostgres, type PgMigration } from './migrate.ts';
import { pgMigration0010 } from './migrations/0010-initial.ts';
import { pgMigration0020 } from './migrations/0020-tracing.ts';
import { pgMigration0030 } from './migrations/0030-deployment.ts';
import { pgMigration0040 } from './migrations/0040-ingest-function.ts';
import { pgMigration0050 } from './migrations/0050-day-counts.ts';
import { pgMigration0060 } from './migrations/0060-trace-windows.ts';
import { PostgresDeployment } from './deployment.ts';
import type { PgRunner } from './runner.ts';
import { PostgresTracing } from './tracing.ts';
import { PostgresTrustList } from './trust-list.ts';
import { PostgresSeedLoader } from './seed-load.ts';
import { dayOfPartition, existingPartitions, makeDayPartitions, vnDay, vnDayStart } from './partitions.ts';

export const PG_MIGRATIONS: readonly PgMigration[] = [pgMigration0010, pgMigration0020, pgMigration0030, pgMigration0040, pgMigration0050, pgMigration0060];

const DAY_MS = 86_400_000;
/** Partitions made ahead of today, so a kiosk's entries never wait on DDL at midnight. */
const DAYS_AHEAD = 7;
/** Advisory lock keys (pg_advisory_xact_lock): one writer of the risk-change log, one partition maintainer. */
const RISK_LOG_LOCK = 0x6b696f736b2d726cn;
const MAINTENANCE_LOCK = 0x6b696f736b2d6d74n;

/**
 * bigint (count, SUM, our millisecond columns) and numeric come back as JavaScript numbers: every
 * value we store is far below 2^53, and the interface speaks numbers.
 */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const toNumber = (v: string): number => Number(v);
const numberTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8_OID || oid === NUMERIC_OID ? toNumber : (pg.types.getTypeParser(oid, format) as unknown)),
};

/**
 * The national engine: PostgreSQL through node-postgres. Every method is one transaction or one
 * statement; a batch is acknowledged only after its COMMIT returned. Lost connections, a database
 * restarting or an exhausted pool surface as `store-unavailable` (the API answers 503 with
 * Retry-After and kiosks retry), text PostgreSQL cannot store as `bad-request`.
 */
export class PostgresStore implements ServerStore, PgRunner {
  readonly engine = 'postgres' as const;
  readonly location: string;
  readonly serverKey: KeyObject;
  readonly riskKey: Buffer;
  readonly trustList: PostgresTrustList;
  readonly tracing: PostgresTracing;
  readonly deployment: PostgresDeployment;
  readonly seedLoader: PostgresSeedLoader;
  private readonly pool: pg.Pool;
  private readonly now: () => number;
  private closed = false;
  private readonly guarded = new WeakSet<pg.PoolClient>();

  private constructor(pool: pg.Pool, location: string, now: () => number, serverKey: KeyObject, riskKey: Buffer) {
    this.pool = pool;
    this.location = location;
    this.now = now;
    this.serverKey = serverKey;
    this.riskKey = riskKey;
    this.trustList = new PostgresTrustList(this, serverKey);
    this.tracing = new PostgresTracing(this, now);
    this.deployment = new PostgresDeployment(this);
    this.seedLoader = new PostgresSeedLoader(this, riskKey, (days) =>
      this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MAINTENANCE_LOCK.toString()]);
        await makeDayPartitions(c, days, Number.NEGATIVE_INFINITY);
      }),
    );
  }

  static async open(url: string, options: OpenStoreOptions = {}): Promise<PostgresStore> {
    const location = redactDb(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // A request waiting longer than this for a connection is answered 503 instead of hanging.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      types: numberTypes,
      application_name: 'kiosk-server',
    });
    // An idle connection killed by a database restart emits 'error' on the pool; unhandled it would
    // end the process. The pool drops that connection and the next request opens a new one.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw openError(err, location);
    }
    client.on('error', () => undefined);
    try {
      await migratePostgres(client, PG_MIGRATIONS, location);
      const loadOrCreateMeta = async (key: string, make: () => string): Promise<string> => {
        // Two workers starting at once both insert; the first wins and both read its value.
        await client.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
        return (await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value ?? '';
      };
      const serverKey = createPrivateKey(await loadOrCreateMeta('server_key', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
      const riskKey = Buffer.from(await loadOrCreateMeta('risk_key', () => randomBytes(32).toString('base64url')), 'base64url');
      client.release();
      const store = new PostgresStore(pool, location, options.now ?? Date.now, serverKey, riskKey);
      await store.maintain(21);
      return store;
    } catch (err) {
      client.release(true);
      await pool.end().catch(() => undefined);
      throw err instanceof KioskError ? err : openError(err, location);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // --- connection handling ------------------------------------------------------------------

  async read<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      client.release(isConnectionError(err) ? toError(err) : undefined);
      throw this.mapError(err);
    }
  }

  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, mode = 'READ COMMITTED'): Promise<T> {
    const client = await this.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${mode}`);
      const result = await fn(client);
      // The answer leaves only once COMMIT returned: a kiosk purges what we acknowledge.
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      if (isConnectionError(err)) client.release(toError(err));
      else {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
      throw this.mapError(err);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.mapError(err);
    }
    // A connection that dies while checked out between two statements emits 'error' on the client,
    // where the pool no longer listens: unhandled, it would end the worker. The next statement
    // on it then fails as a connection error and the client is discarded.
    if (!this.guarded.has(client)) {
      this.guarded.add(client);
      client.on('error', () => undefined);
    }
    return client;
  }

  private mapError(err: unknown): unknown {
    if (err instanceof KioskError) return err;
    if (isConnectionError(err)) {
      return new KioskError('store-unavailable', `the PostgreSQL database ${this.location} is unreachable (${describe(err)}); retry shortly`, { cause: err });
    }
    const code = pgCode(err);
    // A deadlock or serialization failure (maintenance moving rows a batch re-sends) leaves nothing
    // half-done: the kiosk's retry succeeds, so it is answered as a passing unavailability.
    if (code === '55P03') return new KioskError('store-unavailable', `the PostgreSQL database ${this.location} kept a table locked (${describe(err)}); retry later`, { cause: err });
    if (code === '40P01' || code === '40001') {
      return new KioskError('store-unavailable', `the PostgreSQL database ${this.location} aborted a conflicting transaction (${describe(err)}); retry`, { cause: err });
    }
    if (code === '22021' || code === '22P05' || code === '54000') {
      return new KioskError('bad-request', `text the database cannot store (a NUL byte or invalid UTF-8): ${describe(err)}`, { cause: err });
    }
    if (code === '22P02' || code === '22003') return new KioskError('bad-request', `a value is out of range or malformed: ${describe(err)}`, { cause: err });
    return err;
  }

  // --- venues and enrollment ----------------------------------------------------------------

  async createVenue(name: string, kind: VenueKind, codeTtlMs = DEFAULT_CODE_TTL_MS): Promise<VenueCreated> {
    const venueId = newVenueId();
    await this.read((c) => c.query('INSERT INTO venues (id, name, kind, created_at) VALUES ($1, $2, $3, $4)', [venueId, name, kind, this.now()]));
    const { code, expiresAt } = await this.issueEnrollmentCode(venueId, codeTtlMs);
    return { venueId, enrollmentCode: code, expiresAt };
  }

  async issueEnrollmentCode(venueId: string, ttlMs = DEFAULT_CODE_TTL_MS): Promise<{ code: string; expiresAt: number }> {
    const code = newEnrollmentCode();
    const now = this.now();
    const expiresAt = now + ttlMs;
    const inserted = await this.read((c) =>
      c.query('INSERT INTO enrollment_codes (code, venue_id, created_at, expires_at) SELECT $1, id, $3, $4 FROM venues WHERE id = $2', [code, venueId, now, expiresAt]),
    );
    if (inserted.rowCount !== 1) throw new KioskError('not-found', `venue ${venueId} does not exist`);
    return { code, expiresAt };
  }

  async venue(id: string): Promise<Venue | undefined> {
    return this.read(async (c) => (await c.query<Venue>('SELECT id, name, kind FROM venues WHERE id = $1', [id])).rows[0]);
  }

  async listVenues(): Promise<Venue[]> {
    return this.read(async (c) => (await c.query<Venue>('SELECT id, name, kind FROM venues ORDER BY created_at, id COLLATE "C"')).rows);
  }

  async enroll(rawCode: string, publicKey: string, name: string | undefined): Promise<EnrollOutcome> {
    const code = normaliseCode(rawCode);
    return this.tx(async (c) => {
      // FOR UPDATE: a second worker enrolling with the same code waits here, then sees it used.
      const row = (
        await c.query<{ venueId: string; expiresAt: number; usedAt: number | null }>(
          'SELECT venue_id AS "venueId", expires_at AS "expiresAt", used_at AS "usedAt" FROM enrollment_codes WHERE code = $1 FOR UPDATE',
          [code],
        )
      ).rows[0];
      checkEnrollmentCode(row, this.now());
      if ((await c.query('SELECT 1 FROM devices WHERE public_key = $1', [publicKey])).rowCount) throw keyAlreadyEnrolled();
      const device: Device = { id: newDeviceId(), venueId: row.venueId, publicKey, riskKey: this.riskKey };
      const now = this.now();
      try {
        await c.query('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          device.id,
          device.venueId,
          publicKey,
          name ?? null,
          device.riskKey,
          now,
        ]);
      } catch (err) {
        // The same key enrolled through another code at the same moment.
        if (pgCode(err) === '23505') throw keyAlreadyEnrolled();
        throw err;
      }
      await c.query('UPDATE enrollment_codes SET used_at = $1, device_id = $2 WHERE code = $3', [now, device.id, code]);
      const venue = (await c.query<Venue>('SELECT id, name, kind FROM venues WHERE id = $1', [row.venueId])).rows[0] as Venue;
      return { device, venue };
    });
  }

  async device(id: string): Promise<Device | undefined> {
    const row = await this.read(
      async (c) =>
        (
          await c.query<{ id: string; venue_id: string; public_key: string; risk_key: Buffer; revoked_at: number | null }>(
            'SELECT id, venue_id, public_key, risk_key, revoked_at FROM devices WHERE id = $1',
            [id],
          )
        ).rows[0],
    );
    return row && { id: row.id, venueId: row.venue_id, publicKey: row.public_key, riskKey: row.risk_key, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) };
  }

  async revokeDevice(id: string): Promise<number> {
    const row = await this.read(
      async (c) => (await c.query<{ revoked_at: number }>('UPDATE devices SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING revoked_at', [this.now(), id])).rows[0],
    );
    if (!row) throw new KioskError('not-found', `device ${id} does not exist`);
    return row.revoked_at;
  }

  async admitRequest(deviceId: string, nonce: string, expiresAt: number): Promise<Admission | undefined> {
    // One round trip: the nonce row and the device's revocation, on every kiosk request.
    const row = await this.read(
      async (c) =>
        (
          await c.query<{ revoked_at: number | null; fresh: boolean }>(
            `WITH used AS (INSERT INTO nonces (device_id, nonce, expires_at) SELECT id, $2, $3 FROM devices WHERE id = $1 ON CONFLICT DO NOTHING RETURNING 1)
             SELECT revoked_at, EXISTS (SELECT 1 FROM used) AS fresh FROM devices WHERE id = $1`,
            [deviceId, nonce, expiresAt],
          )
        ).rows[0],
    );
    if (!row) return undefined;
    return row.revoked_at === null ? { fresh: row.fresh } : { fresh: row.fresh, revokedAt: row.revoked_at };
  }

  async takeRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome> {
    const now = this.now();
    // One statement: the row lock of the upsert orders concurrent attempts from every worker.
    const row = await this.read(
      async (c) =>
        (
          await c.query<{ window_start: number; count: number }>(
            `INSERT INTO rate_limits AS r (key, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
               count = CASE WHEN r.window_start <= $3 THEN 1 ELSE r.count + 1 END,
               window_start = CASE WHEN r.window_start <= $3 THEN excluded.window_start ELSE r.window_start END
             RETURNING window_start, count`,
            [key, now, now - windowMs],
          )
        ).rows[0] as { window_start: number; count: number },
    );
    return { allowed: row.count <= limit, count: row.count, retryAfterMs: Math.max(0, row.window_start + windowMs - now) };
  }

  // --- status -------------------------------------------------------------------------------

  async setSubjectStatuses(rows: readonly SubjectStatusRow[]): Promise<void> {
    // The last row of a subject wins, as when SQLite applies them in order.
    const bySubject = new Map<string, SubjectStatusRow>();
    for (const r of rows) bySubject.set(`${r.subject.type}\u0000${r.subject.id}`, r);
    const list = [...bySubject.values()];
    if (list.length === 0) return;
    const now = this.now();
    const listed = list.filter((r) => isRiskListed(r.status, r.flags)).map((r) => riskHash(this.riskKey, r.subject).toString('hex'));
    const unlisted = list.filter((r) => !isRiskListed(r.status, r.flags)).map((r) => riskHash(this.riskKey, r.subject).toString('hex'));
    await this.tx(async (c) => {
      // One writer of the change log at a time: seqs become visible in order, so a kiosk that read
      // up to seq N can never later miss a change numbered below N that committed after its read.
      await c.query('SELECT pg_advisory_xact_lock($1)', [RISK_LOG_LOCK.toString()]);
      await c.query(
        `WITH added AS (
           INSERT INTO risk_list (hash) SELECT decode(h, 'hex') FROM unnest($1::text[]) AS u(h) ON CONFLICT DO NOTHING RETURNING hash
         ) INSERT INTO risk_changes (hash, is_added, at) SELECT hash, true, $2 FROM added`,
        [listed, now],
      );
      await c.query(
        `WITH removed AS (
           DELETE FROM risk_list WHERE hash IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS u(h)) RETURNING hash
         ) INSERT INTO risk_changes (hash, is_added, at) SELECT hash, false, $2 FROM removed`,
        [unlisted, now],
      );
      await c.query(
        `INSERT INTO subjects (type, id, status, flags, declared_at, updated_at)
         SELECT * , $6::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
         ON CONFLICT (type, id) DO UPDATE SET status = excluded.status, flags = excluded.flags,
           declared_at = excluded.declared_at, updated_at = excluded.updated_at`,
        [list.map((r) => r.subject.type), list.map((r) => r.subject.id), list.map((r) => r.status), list.map((r) => r.flags.join(',')), list.map((r) => r.declaredAt), now],
      );
    });
  }

  async riskListPage(cursor: number, after: string | undefined, limit = RISK_PAGE_MAX): Promise<RiskListResponse> {
    const pageSize = Math.min(Math.max(1, limit), RISK_PAGE_MAX);
    // One snapshot: the head and the page must describe the same moment.
    return this.tx(async (c) => {
      const head = Number((await c.query<{ head: number }>('SELECT coalesce(max(seq), 0) AS head FROM risk_changes')).rows[0]?.head ?? 0);
      if (cursor > head) throw new KioskError('bad-request', `cursor ${cursor} is ahead of the list (${head}); resync from 0`);
      if (cursor === 0) {
        const rows = (await c.query<{ hash: Buffer }>('SELECT hash FROM risk_list WHERE hash > $1 ORDER BY hash LIMIT $2', [after ? Buffer.from(after, 'hex') : Buffer.alloc(0), pageSize])).rows;
        return riskSnapshotPage(
          rows.map((r) => r.hash),
          head,
          pageSize,
        );
      }
      const changes = (await c.query<RiskChangeRow>('SELECT seq, hash, is_added FROM risk_changes WHERE seq > $1 ORDER BY seq LIMIT $2', [cursor, pageSize])).rows;
      return riskDeltaPage(changes, cursor, head);
    }, 'REPEATABLE READ READ ONLY');
  }

  async lookupStatus(subject: Subject): Promise<StatusResponse> {
    const row = await this.read(
      async (c) =>
        (await c.query<{ status: HealthStatus; flags: string; declared_at: number | null }>('SELECT status, flags, declared_at FROM subjects WHERE type = $1 AND id = $2', [subject.type, subject.id]))
          .rows[0],
    );
    return statusOf(row);
  }

  // --- ingest -------------------------------------------------------------------------------

  async ingestBatch(device: Device, batch: BatchRequest): Promise<BatchResponse> {
    // NUL bytes are refused by the API before this (http/plumbing.ts names the field); should one get
    // here, PostgreSQL refuses the statement (22021) and mapError answers bad-request, nothing stored.
    const runs = runsOf(batch.entries.map((e) => e.seq));
    // The last anchor of each boot: a later one overwrites an earlier one.
    const anchors = [...new Map(batch.timeAnchors.map((a) => [a.bootId, a])).values()];
    const row = await this.read(
      async (c) =>
        (
          await c.query<{ accepted: number; replayed: boolean; range_from: string[]; range_to: string[] }>(INGEST_BATCH, [
            ...entryArrays(batch, device, this.now()),
            runs.map((r) => r.from),
            runs.map((r) => r.to),
            anchors.map((a) => a.bootId),
            anchors.map((a) => a.monoMs),
            anchors.map((a) => a.wallMs),
          ])
        ).rows[0],
    );
    if (!row) throw new KioskError('internal', 'kiosk_ingest_batch returned no row');
    const ranges = row.range_from.map((from, i) => ({ from: Number(from), to: Number(row.range_to[i]) }));
    return { batchId: batch.batchId, accepted: row.accepted, duplicates: batch.entries.length - row.accepted, acked: runs, gaps: gapsOf(ranges), replayed: row.replayed };
  }

  async applyPassages(device: Device, passages: readonly Passage[]): Promise<{ applied: number; unknown: string[] }> {
    if (passages.length === 0) return { applied: 0, unknown: [] };
    // The last passage of an entry wins, as when SQLite applies them in order.
    const last = new Map(passages.map((p) => [p.entryId.toLowerCase(), p]));
    const found = await this.tx(async (c) => {
      const r = await c.query<{ entry_id: string }>(
        `UPDATE entries e SET passage = p.passage, passage_at = p.at
         FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS p(entry_id, passage, at)
         WHERE e.entry_id = p.entry_id AND e.device_id = $4
         RETURNING e.entry_id`,
        [[...last.keys()], [...last.values()].map((p) => (p.passed ? 'passed' : 'not-passed')), [...last.values()].map((p) => p.at), device.id],
      );
      return new Set(r.rows.map((row) => row.entry_id));
    });
    const unknown = passages.filter((p) => !found.has(p.entryId.toLowerCase())).map((p) => p.entryId);
    return { applied: passages.length - unknown.length, unknown };
  }

  async gaps(deviceId: string): Promise<SeqRange[]> {
    return gapsOf(await this.read((c) => seqRangesOf(c, deviceId)));
  }

  async listEntries(query: ListEntriesQuery = {}): Promise<StoredEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    // Only fixed column names are put into the SQL; every value is a bound parameter.
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (query.venueId) add('venue_id = ?', query.venueId);
    if (query.deviceId) add('device_id = ?', query.deviceId);
    if (query.afterEntryId) add('entry_id > ?::uuid', query.afterEntryId);
    params.push(Math.min(query.limit ?? 1_000_000, 1_000_000));
    const sql = `SELECT * FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY device_id COLLATE "C", seq LIMIT $${params.length}`;
    return this.read(async (c) => (await c.query<EntryRow>(sql, params)).rows.map(rowToStored));
  }

  async entryKeys(query: { venueId?: string; afterEntryId?: string; limit: number }): Promise<EntryKey[]> {
    // entry_id leads the primary key of every partition: a merge of index scans, no sort.
    return this.read(
      async (c) =>
        (
          await c.query<EntryKey>(
            `SELECT entry_id AS "entryId", device_id AS "deviceId", seq FROM entries
             WHERE ($1::text IS NULL OR venue_id = $1) AND ($2::uuid IS NULL OR entry_id > $2::uuid) ORDER BY entry_id LIMIT $3`,
            [query.venueId ?? null, query.afterEntryId || null, query.limit],
          )
        ).rows,
    );
  }

  async report(venueId: string, period: { month: string } | { date: string }): Promise<VenueReport> {
    const range = reportRange(period);
    const at = 'coalesce(corrected_at, recorded_at)';
    const figures = `
      count(*) FILTER (WHERE direction = 'in') AS entries, count(*) FILTER (WHERE direction = 'out') AS exits,
      count(*) FILTER (WHERE verdict = 'allow') AS allowed, count(*) FILTER (WHERE verdict = 'deny') AS denied,
      count(*) FILTER (WHERE verdict = 'warn') AS warned,
      count(*) FILTER (WHERE ',' || reasons || ',' LIKE '%,unreadable,%') AS unreadable,
      count(*) FILTER (WHERE source = 'offline') AS "offlineDecisions",
      count(DISTINCT CASE WHEN direction = 'in' THEN subject_type || ':' || subject_id END) AS "distinctPeople"`;
    const where = `venue_id = $1 AND ${at} >= $2 AND ${at} < $3`;
    return this.tx(async (c) => {
      const venue = (await c.query<Venue>('SELECT id, name, kind FROM venues WHERE id = $1', [venueId])).rows[0];
      if (!venue) throw new KioskError('not-found', `venue ${venueId} does not exist`);
      const params = [venue.id, range.fromMs, range.toMs];
      // The Vietnam day of an entry: whole days since the epoch after shifting to UTC+7.
      const days = (
        await c.query<{ date: string } & RawFigures>(
          `SELECT to_char(date '1970-01-01' + (floor((${at} + $4::bigint) / ${DAY_MS}.0))::int, 'YYYY-MM-DD') AS date, ${figures}
           FROM entries WHERE ${where} GROUP BY 1 ORDER BY 1`,
          [...params, VN_OFFSET_MS],
        )
      ).rows;
      const totals = (await c.query<RawFigures>(`SELECT ${figures} FROM entries WHERE ${where}`, params)).rows[0];
      const counts = (await c.query<{ deviceId: string; entries: number }>(`SELECT device_id AS "deviceId", count(*) AS entries FROM entries WHERE ${where} GROUP BY 1 ORDER BY device_id COLLATE "C"`, params))
        .rows;
      const ranges = (
        await c.query<{ device_id: string; from: number; to: number }>(
          'SELECT device_id, from_seq AS "from", to_seq AS "to" FROM seq_ranges WHERE device_id = ANY($1::text[]) ORDER BY device_id, from_seq',
          [counts.map((d) => d.deviceId)],
        )
      ).rows;
      const devices = counts.map((d) => ({ ...d, gaps: gapsOf(ranges.filter((r) => r.device_id === d.deviceId).map((r) => ({ from: r.from, to: r.to }))) }));
      return shapeVenueReport(venue, range, days, totals, devices, this.now());
    }, 'REPEATABLE READ READ ONLY');
  }

  async countEntries(): Promise<number> {
    return this.read(async (c) => Number((await c.query<{ n: number }>('SELECT count(*) AS n FROM entries')).rows[0]?.n ?? 0));
  }

  // --- housekeeping -------------------------------------------------------------------------

  /**
   * Day partitions from today to DAYS_AHEAD ahead, plus any earlier day within retention whose rows
   * wait in the DEFAULT partition (a kiosk back after days offline, a clock now caught up): those
   * rows move into their new partition in the same transaction. Partitions past retention are
   * dropped whole; only the DEFAULT partition is pruned row by row.
   */
  async maintain(retentionDays: number): Promise<MaintenanceOutcome> {
    const now = this.now();
    const cutoff = now - retentionDays * DAY_MS;
    const today = vnDay(now);
    const outcome: MaintenanceOutcome = { created: [], dropped: [], deletedRows: 0 };
    await this.tx(async (c) => {
      // Two workers maintaining at once would race on CREATE TABLE; the second waits, then finds the work done.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MAINTENANCE_LOCK.toString()]);
      // Creating or dropping a partition locks all of `entries`; queued behind a long report it would
      // make every ingest queue behind it. Give up instead: partitions exist days ahead, the next run retries.
      await c.query("SET LOCAL lock_timeout = '5s'");
      const existing = await existingPartitions(c);
      const waiting = (
        await c.query<{ day: number }>(`SELECT DISTINCT floor((recorded_at + $1::bigint) / ${DAY_MS}.0)::int AS day FROM entries_default WHERE recorded_at >= $2 AND recorded_at < $3`, [
          VN_OFFSET_MS,
          Math.max(cutoff, vnDayStart(today - 400)),
          vnDayStart(today + DAYS_AHEAD + 1),
        ])
      ).rows.map((r) => r.day);
      const wanted = new Set<number>(waiting);
      for (let d = today; d <= today + DAYS_AHEAD; d++) wanted.add(d);
      outcome.created.push(...(await makeDayPartitions(c, wanted, cutoff, new Set(existing))));
      for (const name of existing) {
        const day = dayOfPartition(name);
        if (day === undefined || vnDayStart(day + 1) > cutoff) continue;
        await c.query(`DROP TABLE ${name}`);
        outcome.dropped.push(name);
      }
      outcome.deletedRows = (await c.query('DELETE FROM entries_default WHERE recorded_at < $1', [cutoff])).rowCount ?? 0;
    });
    await this.read(async (c) => {
      await c.query('DELETE FROM nonces WHERE expires_at < $1', [now]);
      await c.query('DELETE FROM rate_limits WHERE window_start < $1', [now - DAY_MS]);
    });
    return outcome;
  }
}

// --- queries and helpers ----------------------------------------------------------------------

/** All entries of a batch in one statement: one array per column, unnested into rows. */
/** Migration 0040's function: the whole batch in one round trip. */
const INGEST_BATCH = `SELECT accepted, replayed, range_from, range_to FROM kiosk_ingest_batch(${Array.from({ length: 32 }, (_, i) => `$${i + 1}`).join(', ')})`;

function entryArrays(batch: BatchRequest, device: Device, now: number): unknown[] {
  const es = batch.entries;
  return [
    batch.batchId,
    device.id,
    device.venueId,
    now,
    es.length,
    es.map((e) => e.entryId),
    es.map((e) => e.seq),
    es.map((e) => e.recordedAt),
    es.map((e) => e.bootId),
    es.map((e) => e.monoMs),
    es.map((e) => e.clockSynced),
    es.map((e) => e.direction),
    es.map((e) => e.format),
    es.map((e) => e.verdict),
    es.map((e) => e.reasons.join(',')),
    es.map((e) => e.source),
    es.map((e) => e.status),
    es.map((e) => e.subject?.type ?? null),
    es.map((e) => e.subject?.id ?? null),
    es.map((e) => e.dataAgeMs),
    es.map((e) => e.latencyMs),
    es.map((e) => e.correctedAt),
    es.map((e) => e.sealedSubject),
    es.map((e) => e.altSubject?.type ?? null),
    es.map((e) => e.altSubject?.id ?? null),
    es.map((e) => e.blindIndex?.[0] ?? null),
    es.map((e) => e.blindIndex?.[1] ?? null),
  ];
}

async function seqRangesOf(c: pg.PoolClient, deviceId: string): Promise<SeqRange[]> {
  return (await c.query<SeqRange>('SELECT from_seq AS "from", to_seq AS "to" FROM seq_ranges WHERE device_id = $1 ORDER BY from_seq', [deviceId])).rows;
}

// --- errors -----------------------------------------------------------------------------------

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
/** Server states in which no query can run: shutting down, starting up, too many connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The database or the way to it is gone (as opposed to a query it refused). */
export function isConnectionError(err: unknown): boolean {
  const code = pgCode(err);
  if (code && (CONNECTION_ERRNOS.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i.test(message);
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function describe(err: unknown): string {
  const code = pgCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}: ${message}` : message;
}

/** Why open() failed, in words a technician can act on, never with the password. */
function openError(err: unknown, location: string): KioskError {
  const code = pgCode(err);
  if (code === '28P01' || code === '28000') return new KioskError('config-invalid', `PostgreSQL ${location} refused the login (${describe(err)}): check the user and password in --db`, { cause: err });
  if (code === '3D000') return new KioskError('config-invalid', `PostgreSQL ${location}: ${describe(err)}; create it first (createdb) or fix the name in --db`, { cause: err });
  return new KioskError('store-unavailable', `cannot reach the PostgreSQL database ${location} (${describe(err)}): is it running and is the address right?`, { cause: err });
}
