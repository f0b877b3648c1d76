import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { SeedBatch, SeedDevice, SeedEntry, SeedLoader, SeedRange, SeedVenue } from '../seed-load.ts';
import { vnDay } from './partitions.ts';
import type { PgRunner } from './runner.ts';

const ENTRY_COLUMNS =
  'entry_id, device_id, venue_id, batch_id, seq, recorded_at, received_at, boot_id, mono_ms, clock_synced, direction, format, verdict, reasons, source, status, subject_type, subject_id, alt_type, alt_id, latency_ms';

/**
 * Bulk loading on PostgreSQL: entries go in through text COPY into the partitioned `entries`
 * table (PostgreSQL routes each row to its day partition, and statement triggers on `entries` see
 * the whole COPY as one statement), after the day partitions were made by the store's own
 * maintenance function. Venues, devices, batches and seq ranges go in as arrays through unnest.
 */
export class PostgresSeedLoader implements SeedLoader {
  private readonly db: PgRunner;
  private readonly riskKey: Buffer;
  private readonly makeDays: (days: number[]) => Promise<void>;

  constructor(db: PgRunner, riskKey: Buffer, makeDays: (days: number[]) => Promise<void>) {
    this.db = db;
    this.riskKey = riskKey;
    this.makeDays = makeDays;
  }

  async addVenues(venues: readonly SeedVenue[], devices: readonly SeedDevice[]): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO venues (id, name, kind, created_at, province_code, district_code, commune_code)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])`,
        [venues.map((v) => v.id), venues.map((v) => v.name), venues.map((v) => v.kind), venues.map((v) => v.createdAt), venues.map((v) => v.location.provinceCode), venues.map((v) => v.location.districtCode), venues.map((v) => v.location.communeCode)],
      );
      await c.query(
        `INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at, last_seen_at)
         SELECT u.id, u.venue_id, u.public_key, u.name, $5::bytea, u.enrolled_at, u.last_seen_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::bigint[], $7::bigint[]) AS u(id, venue_id, public_key, name, enrolled_at, last_seen_at)`,
        [devices.map((d) => d.id), devices.map((d) => d.venueId), devices.map((d) => d.publicKey), devices.map((d) => d.name), this.riskKey, devices.map((d) => d.enrolledAt), devices.map((d) => d.lastSeenAt)],
      );
    });
  }

  async prepareRange(fromMs: number, toMs: number): Promise<void> {
    const days: number[] = [];
    for (let d = vnDay(fromMs); d <= vnDay(toMs - 1); d++) days.push(d);
    await this.makeDays(days);
  }

  async appendEntries(rows: readonly SeedEntry[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map(copyLine).join('');
    await this.db.tx(async (c) => {
      await pipeline(Readable.from([text]), c.query(copyFrom(`COPY entries (${ENTRY_COLUMNS}) FROM STDIN`)));
    });
  }

  async addBatches(batches: readonly SeedBatch[], ranges: readonly SeedRange[]): Promise<void> {
    await this.db.tx(async (c) => {
      if (batches.length > 0) {
        await c.query(
          `INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates)
           SELECT b, d, r, n, n, 0 FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[]) AS u(b, d, r, n)`,
          [batches.map((b) => b.batchId), batches.map((b) => b.deviceId), batches.map((b) => b.receivedAt), batches.map((b) => b.count)],
        );
      }
      if (ranges.length > 0) {
        await c.query('INSERT INTO seq_ranges (device_id, from_seq, to_seq) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])', [
          ranges.map((r) => r.deviceId),
          ranges.map((r) => r.from),
          ranges.map((r) => r.to),
        ]);
      }
    });
  }

  async finish(): Promise<void> {
    // VACUUM too: a freshly COPYed table has no visibility map yet, so no index-only scan until
    // autovacuum passes; a database that has been serving for days has one.
    // The daily roll-up too: every COPY statement upserted its device-days again, so a load of 50
    // million entries left 8 million dead row versions and an index of 508 MB for 36 MB of live
    // rows (the deployment report read it in 0.9-2.9 s instead of 0.3 s). A server's autovacuum
    // keeps up with uploads; a bulk load outruns it.
    await this.db.read(async (c) => {
      await c.query('VACUUM (ANALYZE) entries');
      await c.query('VACUUM (ANALYZE) entry_day_counts');
      await c.query('REINDEX TABLE entry_day_counts');
      await c.query('ANALYZE');
    });
  }
}

/** COPY's text format: tab-separated, \N for NULL, backslash escapes for the few bytes that need them. */
function copyLine(e: SeedEntry): string {
  return `${e.entryId}\t${field(e.deviceId)}\t${field(e.venueId)}\t${e.batchId}\t${e.seq}\t${e.recordedAt}\t${e.receivedAt}\t${field(e.bootId)}\t${e.monoMs}\tt\t${e.direction}\t${field(e.format)}\t${field(e.verdict)}\t${field(e.reasons)}\t${field(e.source)}\t${field(e.status)}\t${field(e.subjectType)}\t${field(e.subjectId)}\t${field(e.altType)}\t${field(e.altId)}\t${e.latencyMs}\n`;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

function field(value: string | null): string {
  if (value === null) return '\\N';
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
