import type { VenueKind } from '../../common/wire.ts';
import type { VenueLocation } from '../services/admin-units.ts';

/**
 * Bulk loading for `kiosk server seed --entries N` and the benchmarks: rows of the shapes ingest
 * and enrollment store, written the fastest way each engine has (COPY into the partitioned table
 * on PostgreSQL, prepared statements in large transactions on SQLite). Nothing here checks
 * signatures, nonces or seq ranges: the caller generates rows that are new and consistent, and the
 * database's own triggers and constraints still apply, so what the store reads back is what ingest
 * would have written.
 */
export interface SeedLoader {
  /** Venues with their location, and their kiosks as enrollment makes them. */
  addVenues(venues: readonly SeedVenue[], devices: readonly SeedDevice[]): Promise<void>;
  /** Makes room for entries recorded in [fromMs, toMs): the day partitions on PostgreSQL. */
  prepareRange(fromMs: number, toMs: number): Promise<void>;
  /** Appends entries none of which is stored yet. */
  appendEntries(rows: readonly SeedEntry[]): Promise<void>;
  /** The batches that carried the entries and each device's received seq ranges. */
  addBatches(batches: readonly SeedBatch[], ranges: readonly SeedRange[]): Promise<void>;
  /** Planner statistics after a load (ANALYZE). */
  finish(): Promise<void>;
}

export interface SeedVenue {
  id: string;
  name: string;
  kind: VenueKind;
  createdAt: number;
  location: VenueLocation;
}

export interface SeedDevice {
  id: string;
  venueId: string;
  publicKey: string;
  name: string;
  enrolledAt: number;
  lastSeenAt: number;
}

/** One entries row; columns as ingest fills them (subject, second identifier, status, verdict). */
export interface SeedEntry {
  entryId: string;
  deviceId: string;
  venueId: string;
  batchId: string;
  seq: number;
  recordedAt: number;
  receivedAt: number;
  bootId: string;
  monoMs: number;
  direction: 'in' | 'out';
  format: string;
  verdict: string;
  reasons: string;
  source: string;
  status: string;
  subjectType: string | null;
  subjectId: string | null;
  altType: string | null;
  altId: string | null;
  latencyMs: number;
}

export interface SeedBatch {
  batchId: string;
  deviceId: string;
  receivedAt: number;
  count: number;
}

export interface SeedRange {
  deviceId: string;
  from: number;
  to: number;
}
