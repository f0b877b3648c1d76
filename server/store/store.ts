import type { KeyObject } from 'node:crypto';
import type { HealthStatus } from '../../common/verdict.ts';
import type {
  BatchRequest,
  EntryKey,
  BatchResponse,
  Passage,
  RiskListResponse,
  SeqRange,
  StatusResponse,
  StoredEntry,
  Subject,
  TrustEntry,
  TrustListResponse,
  VenueCreated,
  VenueKind,
} from '../../common/wire.ts';
import type { VenueReport } from '../services/report.ts';
import type { TracingStore } from './tracing.ts';
import type { DeploymentStore } from './deployment.ts';
import type { SeedLoader } from './seed-load.ts';

/**
 * The one interface the reference server's routes and services use. Two engines implement it:
 * embedded SQLite (store/sqlite/, the default for trying the server, the demo and tests) and
 * PostgreSQL (store/postgres/, for a province or the nation). Only store/open.ts chooses between
 * them; test/contract/server-store.contract.ts runs the same cases against both.
 *
 * Everything that must hold across API workers and hosts lives behind this interface: nonces,
 * enrollment codes used once, rate limits and device revocation.
 */
export interface Admission {
  fresh: boolean;
  revokedAt?: number;
}

export interface ServerStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Where the data lives, safe to print: a file path, or a URL with its password hidden. */
  readonly location: string;
  /** The server's Ed25519 key (made on first start, kept in the database): signs the time and lists it sends. */
  readonly serverKey: KeyObject;
  /** The HMAC key of the risk list; every device receives it at enrollment. */
  readonly riskKey: Buffer;
  readonly trustList: TrustListStore;
  /** Role tokens, audit, identity links and trace queries (issue 13). */
  readonly tracing: TracingStore;
  readonly deployment: DeploymentStore;
  /** Bulk loading of generated venues, kiosks and entries (`kiosk server seed --entries`, benchmarks). */
  readonly seedLoader: SeedLoader;

  close(): Promise<void>;

  // venues, enrollment, devices
  createVenue(name: string, kind: VenueKind, codeTtlMs?: number): Promise<VenueCreated>;
  issueEnrollmentCode(venueId: string, ttlMs?: number): Promise<{ code: string; expiresAt: number }>;
  venue(id: string): Promise<Venue | undefined>;
  listVenues(): Promise<Venue[]>;
  /** Trades a one-time code for a device identity, atomically: two workers racing on one code enroll one device. */
  enroll(rawCode: string, publicKey: string, name: string | undefined): Promise<EnrollOutcome>;
  device(id: string): Promise<Device | undefined>;
  /** Decommissions a device: from now on its signature is refused. Idempotent; answers when it was revoked. */
  revokeDevice(id: string): Promise<number>;

  /**
   * Admits a signed request of a device whose signature checked out: records its nonce (`fresh` is
   * false when it was seen before, a replay) and answers whether the device was revoked, in one
   * step, because it runs on every kiosk request. Undefined for a device that does not exist.
   */
  admitRequest(deviceId: string, nonce: string, expiresAt: number): Promise<Admission | undefined>;
  /**
   * Counts one attempt against `key` in a fixed window of `windowMs`; `allowed` is false once more
   * than `limit` attempts fell in the current window, and `retryAfterMs` says when it reopens.
   */
  takeRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome>;

  // health status and the risk list
  setSubjectStatuses(rows: readonly SubjectStatusRow[]): Promise<void>;
  lookupStatus(subject: Subject): Promise<StatusResponse>;
  riskListPage(cursor: number, after: string | undefined, limit?: number): Promise<RiskListResponse>;

  // entries
  /**
   * Stores a batch exactly once and answers only after its commit: a batch id seen before is
   * answered again without storing anything, and each entry is stored once whatever batch carries it.
   */
  ingestBatch(device: Device, batch: BatchRequest): Promise<BatchResponse>;
  applyPassages(device: Device, passages: readonly Passage[]): Promise<{ applied: number; unknown: string[] }>;
  /** Seq ranges of a device never received, below the highest received. */
  gaps(deviceId: string): Promise<SeqRange[]>;
  listEntries(query?: ListEntriesQuery): Promise<StoredEntry[]>;
  /** The identity of stored entries in entryId order after `afterEntryId`: what a load test checks against what it sent. */
  entryKeys(query: { venueId?: string; afterEntryId?: string; limit: number }): Promise<EntryKey[]>;
  countEntries(): Promise<number>;
  report(venueId: string, period: { month: string } | { date: string }): Promise<VenueReport>;
  /**
   * Housekeeping a server runs on start and then hourly: partitions ahead of time (PostgreSQL),
   * entries older than `retentionDays` removed (whole partitions on PostgreSQL), expired nonces
   * and rate-limit windows pruned.
   */
  maintain(retentionDays: number): Promise<MaintenanceOutcome>;
}

export interface TrustListStore {
  version(): Promise<number>;
  import(entries: readonly TrustEntry[], valueSets?: ValueSets): Promise<TrustImport>;
  since(since: number): Promise<TrustListResponse>;
}

export type ValueSets = Record<string, Record<string, string>>;

export interface TrustImport {
  version: number;
  added: number;
  removed: number;
  unchanged: number;
}

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
  /** Entries after this one (entry_id order is time order for UUIDv7). */
  afterEntryId?: string;
}

export interface SubjectStatusRow {
  subject: Subject;
  status: HealthStatus;
  flags: readonly string[];
  declaredAt: number | null;
}

export interface RateLimitOutcome {
  allowed: boolean;
  /** Attempts counted in the current window, this one included. */
  count: number;
  retryAfterMs: number;
}

export interface MaintenanceOutcome {
  /** Partitions made ahead of time (PostgreSQL). */
  created: string[];
  /** Partitions dropped whole at the retention limit (PostgreSQL). */
  dropped: string[];
  /** Rows removed one by one (SQLite, and PostgreSQL's catch-all partition of entries with impossible times). */
  deletedRows: number;
}

export interface OpenStoreOptions {
  now?: () => number;
  /** Connections per process (PostgreSQL). */
  poolSize?: number;
}
