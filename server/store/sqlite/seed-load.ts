import type Database from 'better-sqlite3';
import type { SeedBatch, SeedDevice, SeedEntry, SeedLoader, SeedRange, SeedVenue } from '../seed-load.ts';

/**
 * Bulk loading on SQLite: prepared statements in one transaction per call (a chunk of tens of
 * thousands of rows), so the cost is the row and its indexes, not a commit per row. Rows go through
 * the same table, indexes and triggers as ingest.
 */
export class SqliteSeedLoader implements SeedLoader {
  private readonly db: Database.Database;
  private readonly riskKey: Buffer;
  private saved: { cacheSize: number; synchronous: number } | undefined;

  constructor(db: Database.Database, riskKey: Buffer) {
    this.db = db;
    this.riskKey = riskKey;
  }

  async addVenues(venues: readonly SeedVenue[], devices: readonly SeedDevice[]): Promise<void> {
    const venue = this.db.prepare('INSERT INTO venues (id, name, kind, created_at, province_code, district_code, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const device = this.db.prepare('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const v of venues) venue.run(v.id, v.name, v.kind, v.createdAt, v.location.provinceCode, v.location.districtCode, v.location.communeCode);
      for (const d of devices) device.run(d.id, d.venueId, d.publicKey, d.name, this.riskKey, d.enrolledAt, d.lastSeenAt);
    })();
  }

  async prepareRange(): Promise<void> {
    // One table holds every day on SQLite.
  }

  async appendEntries(rows: readonly SeedEntry[]): Promise<void> {
    if (this.saved === undefined) {
      // Six indexes of entries take random inserts (subject, venue, device): with SQLite's default
      // 2 MiB page cache each row costs page reads and every commit a long checkpoint. A bulk load
      // keeps a large cache and commits without waiting for the disk (a crash mid-seed leaves a
      // partial seed to redo, never an acknowledged kiosk batch); finish() restores both.
      this.saved = { cacheSize: Number(this.db.pragma('cache_size', { simple: true })), synchronous: Number(this.db.pragma('synchronous', { simple: true })) };
      this.db.pragma('cache_size = -1048576');
      this.db.pragma('synchronous = OFF');
    }
    const insert = this.db.prepare(
      `INSERT INTO entries (entry_id, device_id, venue_id, seq, batch_id, received_at, recorded_at, boot_id, mono_ms, clock_synced,
         direction, format, verdict, reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms, corrected_at, sealed_subject, alt_type, alt_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const e of rows) {
        insert.run(e.entryId, e.deviceId, e.venueId, e.seq, e.batchId, e.receivedAt, e.recordedAt, e.bootId, e.monoMs, e.direction, e.format, e.verdict, e.reasons, e.source, e.status, e.subjectType, e.subjectId, e.latencyMs, e.altType, e.altId);
      }
    })();
  }

  async addBatches(batches: readonly SeedBatch[], ranges: readonly SeedRange[]): Promise<void> {
    const batch = this.db.prepare('INSERT INTO batches (batch_id, device_id, received_at, count, accepted, duplicates) VALUES (?, ?, ?, ?, ?, 0)');
    const range = this.db.prepare('INSERT INTO seq_ranges (device_id, from_seq, to_seq) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const b of batches) batch.run(b.batchId, b.deviceId, b.receivedAt, b.count, b.count);
      for (const r of ranges) range.run(r.deviceId, r.from, r.to);
    })();
  }

  async finish(): Promise<void> {
    if (this.saved) {
      this.db.pragma(`cache_size = ${this.saved.cacheSize}`);
      this.db.pragma(`synchronous = ${this.saved.synchronous}`);
      this.saved = undefined;
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('ANALYZE');
  }
}
