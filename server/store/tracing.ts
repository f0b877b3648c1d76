import type { Direction } from '../../common/verdict.ts';
import type { Subject } from '../../common/wire.ts';
import type { Role } from '../http/roles.ts';

/**
 * What contact tracing needs from a store engine (issue 13): role tokens, the append-only audit,
 * and (added with tracing) identity links and the trace queries. Exposed on ServerStore as
 * `tracing`; one implementation per engine (store/sqlite/tracing.ts, store/postgres/tracing.ts).
 * Rules (overlaps, dwell times, degrees, CSV) live in services/, never here.
 */
export interface TracingStore {
  // --- role tokens ---------------------------------------------------------------------------
  /** Stores a token by its hash; the token itself is never stored. */
  addToken(token: NewTokenRow): Promise<void>;
  /** The token with this SHA-256 hash (hex), revoked or not; undefined when unknown. */
  tokenByHash(hash: string): Promise<TokenRow | undefined>;
  listTokens(): Promise<TokenRow[]>;
  /** Revokes a token; idempotent, answers when it was revoked; throws not-found for an unknown id. */
  revokeToken(id: string): Promise<number>;

  // --- audit ---------------------------------------------------------------------------------
  /** Appends one record; there is no way to change or remove one. */
  appendAudit(record: NewAuditRecord): Promise<AuditRecord>;
  /** Records in order, oldest first, after `afterSeq`. */
  listAudit(query?: { afterSeq?: number; limit?: number }): Promise<AuditRecord[]>;

  // --- one person, several identifiers -------------------------------------------------------
  /** Records that identifiers belong to one person; a later link of an identifier replaces its earlier one. */
  linkIdentities(links: readonly IdentityLink[]): Promise<number>;
  /**
   * The given identifiers and every identifier known to belong to the same people: through person
   * links, and through pairs read together from one QR (an entry's subject and its altSubject).
   */
  identitiesOf(subjects: readonly Subject[]): Promise<Subject[]>;
  /** identitiesOf for several people at once, one answer per group in order (exposure's cases). */
  identitiesOfEach(groups: ReadonlyArray<readonly Subject[]>): Promise<Subject[][]>;
  /** The person id of each identifier that has one, keyed by subjectKeyText. */
  personIdsOf(subjects: readonly Subject[]): Promise<Map<string, string>>;
  /** Every identifier the person registry holds for each of these people, keyed by person id. */
  subjectsOfPersons(personIds: readonly string[]): Promise<Map<string, Subject[]>>;

  // --- trace queries (entries by effective time, coalesce(corrected_at, recorded_at)) ---------
  /** Entries whose subject or second identifier is one of `keys`, at any venue, within [fromMs, toMs]. */
  entriesOf(keys: TraceKeys, fromMs: number, toMs: number): Promise<TraceEntry[]>;
  /** Every entry within each window [fromMs, toMs] at its venue, in one round trip; windows of a venue must not overlap. */
  entriesInWindows(windows: readonly VenueWindow[]): Promise<TraceEntry[]>;
  /**
   * The venues of `ranges` with an exit scan on a Vietnam day the range touches, from the daily
   * roll-up (entry_day_counts): never misses an exit in the range, may report one just outside it.
   */
  venuesWithExits(ranges: readonly VenueWindow[]): Promise<Set<string>>;
}

export interface VenueWindow {
  venueId: string;
  fromMs: number;
  toMs: number;
}

export interface IdentityLink {
  personId: string;
  subject: Subject;
  /** Where the link came from: `seed`, `import:<file>`, … */
  source: string;
}

/** Who to look for: plain identifiers, or blind indexes (sealed subjects, docs/tracing.md). */
export type TraceKeys = { kind: 'subjects'; subjects: readonly Subject[] } | { kind: 'blind'; indexes: readonly string[] };

/** The slice of an entry tracing reads. */
export interface TraceEntry {
  entryId: string;
  venueId: string;
  /** Effective time: corrected_at when the kiosk's clock was repaired, else recorded_at. */
  at: number;
  direction: Direction;
  subject: Subject | null;
  altSubject: Subject | null;
  sealedSubject: string | null;
  blindIndex: string | null;
  blindAlt: string | null;
}

export interface NewTokenRow {
  id: string;
  /** SHA-256 of the token, hex. */
  hash: string;
  role: Role;
  /** Set for role `venue`: the one venue it may see. */
  venueId?: string;
  label?: string;
  createdAt: number;
}

export interface TokenRow extends NewTokenRow {
  revokedAt?: number;
}

export const AUDIT_ACTIONS = ['trace', 'exposure', 'export', 'authority-trace'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface NewAuditRecord {
  at: number;
  /** A token id, `admin-token`, or `cli:<user>` for a command run on the server's database. */
  actor: string;
  role: Role;
  action: AuditAction;
  /** A keyed hash of the subject or case list (services/audit.ts), never the identifier itself. */
  subjectHash: string | null;
  fromMs: number | null;
  toMs: number | null;
  resultCount: number;
  /** Query parameters that are not personal (depth, margin, venue, case count). */
  detail: Record<string, string | number | boolean>;
}

export interface AuditRecord extends NewAuditRecord {
  seq: number;
}
