import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { DIRECTIONS, FORMATS, HEALTH_STATUSES, STATUS_SOURCES, VERDICTS } from './verdict.ts';

/**
 * The HTTP wire contract between kiosks and a tracing server (docs/api.md, docs/openapi.yaml).
 * Shared by the kiosk (core/) and the reference server (server/); neither imports the other.
 * Version 1. Fields may be added; none is renamed or removed within a version.
 */

export const API_PREFIX = '/v1';

export const VENUE_KINDS = [
  'hospital',
  'bus-station',
  'school',
  'factory',
  'market',
  'office',
  'supermarket',
  'government',
  'other',
] as const;
export type VenueKind = (typeof VENUE_KINDS)[number];

/** Identifier kinds a status lookup or an entry may carry. */
export const SUBJECT_TYPES = ['cccd', 'cmnd', 'passport', 'qid', 'bhyt', 'dcc', 'other'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export const subjectSchema = z.strictObject({
  type: z.enum(SUBJECT_TYPES),
  id: z.string().min(1).max(128),
});
export type Subject = z.infer<typeof subjectSchema>;

/** A second identifier of the same person (see `altSubject` on entries). */
export const altSubjectSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cmnd'), id: z.string().regex(/^(\d{9}|\d{12})$/, 'a cmnd number is 9 digits (or 12)') }),
  z.strictObject({ type: z.literal('qid'), id: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'a qid is 6-64 letters, digits, - or _') }),
]);

/** Error envelope of every non-2xx answer. */
export const wireErrorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** Present on `clock-skew`: the server's clock, so the kiosk can correct itself. */
    serverTime: z.number().optional(),
  }),
});
export type WireError = z.infer<typeof wireErrorSchema>;

// --- enrollment -----------------------------------------------------------------------------

export const enrollRequestSchema = z.strictObject({
  code: z.string().min(4).max(64),
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  name: z.string().max(100).optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
  deviceId: z.string(),
  venueId: z.string(),
  venue: z.object({ name: z.string(), kind: z.enum(VENUE_KINDS) }),
  serverTime: z.number(),
  /** HMAC-SHA-256 key for the offline risk list, base64url (32 bytes). */
  riskListKey: z.string(),
  /** The server's Ed25519 public key (raw, base64url): it signs the time the server tells kiosks. */
  serverPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

// --- status lookup --------------------------------------------------------------------------

export const statusRequestSchema = z.strictObject({ subject: subjectSchema });
export type StatusRequest = z.infer<typeof statusRequestSchema>;

export const FLAGS = ['F0', 'F1', 'F2'] as const;

export const statusResponseSchema = z.object({
  status: z.enum(HEALTH_STATUSES),
  flags: z.array(z.enum(FLAGS)).default([]),
  /** When the person last declared, ms since epoch; null when never. */
  declaredAt: z.number().nullable().default(null),
  /** How long the kiosk may reuse this answer. */
  ttlMs: z.number().int().nonnegative().default(300_000),
});
export type StatusResponse = z.infer<typeof statusResponseSchema>;

// --- EU DCC trust list ----------------------------------------------------------------------

/** A document signer certificate in the EU gateway's shape. */
export const trustEntrySchema = z.object({
  /** Key id: first 8 bytes of SHA-256 of the DER certificate, base64. */
  kid: z.string().min(1).max(64),
  country: z.string().max(8),
  /** The X.509 certificate, DER, base64. */
  rawData: z.string().min(16).max(16_384),
  /**
   * `DSC` (document signer, the default) or `CSCA` (a country's signing authority). When a country
   * has CSCAs in the list, its DSCs are only trusted if one of them issued and signed the DSC.
   */
  certificateType: z.enum(['DSC', 'CSCA']).optional(),
});
export type TrustEntry = z.infer<typeof trustEntrySchema>;

/**
 * `GET /v1/trust-list?since=V` (signed request): the certificates added and removed after list
 * version V, or the whole list (`isFull`) when V = 0 or too old. `removed` holds SHA-256 thumbprints
 * (hex) of DER certificates; `valueSets` is null when unchanged. `signature` is the server's Ed25519
 * signature (base64url) over `trustListSigningBytes` (docs/api.md, "EU DCC trust list").
 */
export const trustListResponseSchema = z.object({
  version: z.number().int().nonnegative(),
  isFull: z.boolean(),
  certificates: z.array(trustEntrySchema).max(20_000),
  removed: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(20_000),
  valueSets: z.record(z.string(), z.record(z.string(), z.string())).nullable(),
  signature: z.string().max(200),
});
export type TrustListResponse = z.infer<typeof trustListResponseSchema>;

/** `PUT /v1/trust-list` (admin): publish exactly these certificates (and value sets, when given). */
export const trustImportSchema = z.object({
  certificates: z.array(trustEntrySchema).max(20_000),
  valueSets: z.record(z.string(), z.record(z.string(), z.string())).nullable().optional(),
});
export type TrustImportRequest = z.infer<typeof trustImportSchema>;

/** The UTF-8 JSON the server signs: these fields in this order, certificates reduced to kid, country, rawData (and certificateType when set). */
export function trustListSigningBytes(r: Omit<TrustListResponse, 'signature'>): string {
  return JSON.stringify({
    version: r.version,
    isFull: r.isFull,
    certificates: r.certificates.map((c) => ({ kid: c.kid, country: c.country, rawData: c.rawData, ...(c.certificateType ? { certificateType: c.certificateType } : {}) })),
    removed: r.removed,
    valueSets: r.valueSets,
  });
}

// --- offline risk list ----------------------------------------------------------------------

/**
 * `GET /v1/risk-list?cursor=C[&after=H]`. With cursor 0 (first sync) the server sends a snapshot of
 * the current list in pages (`after` = hex of the last hash of the previous page); otherwise the
 * net changes after `cursor`. Hashes travel as base64 of concatenated 16-byte hashes.
 */
export const riskListResponseSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('snapshot'),
    /** Apply deltas from here once the snapshot is complete. */
    snapshotCursor: z.number().int().nonnegative(),
    hashes: z.string(),
    /** Hex of the last hash of this page, for the next request; null when the snapshot is complete. */
    next: z.string().regex(/^[0-9a-f]{32}$/).nullable(),
  }),
  z.object({
    mode: z.literal('delta'),
    cursor: z.number().int().nonnegative(),
    added: z.string(),
    removed: z.string(),
    /** More changes wait after `cursor`. */
    hasMore: z.boolean(),
  }),
]);
export type RiskListResponse = z.infer<typeof riskListResponseSchema>;

// --- batch upload ---------------------------------------------------------------------------

export const wireEntrySchema = z.strictObject({
  /** UUIDv7, made on the kiosk at scan time; the server stores each entryId once. */
  entryId: z.uuid(),
  /** Per-device sequence, 1, 2, 3, … without gaps. */
  seq: z.number().int().positive(),
  /** Kiosk wall clock at the scan, ms since epoch (may be wrong when clockSynced is false). */
  recordedAt: z.number().int(),
  bootId: z.string().max(64),
  monoMs: z.number().nonnegative(),
  clockSynced: z.boolean(),
  direction: z.enum(DIRECTIONS),
  format: z.enum(FORMATS),
  verdict: z.enum(VERDICTS),
  reasons: z.array(z.string().max(40)).max(16),
  source: z.enum(STATUS_SOURCES),
  status: z.enum(HEALTH_STATUSES),
  subject: subjectSchema.nullable(),
  dataAgeMs: z.number().int().nonnegative().nullable(),
  latencyMs: z.number().nonnegative(),
  /** Wall time repaired from a trustworthy time anchor of the same boot; null when not needed or not yet known. */
  correctedAt: z.number().int().nullable().default(null),
  /** The subject encrypted to the health authority's key (then `subject` is null); see docs/api.md. */
  sealedSubject: z.string().max(512).nullable().default(null),
  /**
   * Optional (added in 2026): the same person's second identifier read from the same QR: the old
   * 9-digit CMND number a CCCD's QR carries, or the QID of an unmasked PC-COVID QR. Only a `cmnd`
   * or `qid`, shaped as such; absent or null when the QR has none, and null when the subject is sealed.
   */
  altSubject: altSubjectSchema.nullable().optional(),
  /**
   * Optional (added in 2026), with a sealed subject: keyed blind indexes of the subject and then of
   * its second identifier, each the first 16 bytes of HMAC-SHA-256(day key, "type:id"), base64url,
   * under the authority's key for the entry's Vietnam day (docs/tracing.md).
   */
  blindIndex: z.array(z.string().regex(/^[A-Za-z0-9_-]{22}$/)).min(1).max(2).nullable().optional(),
});
export type WireEntry = z.output<typeof wireEntrySchema>;

/**
 * A trustworthy time of one boot of the kiosk: at `monoMs` (boot-monotonic) the time was `wallMs`.
 * The server re-times that boot's entries recorded with an unsynchronised clock:
 * correctedAt = wallMs + (entry.monoMs - monoMs).
 */
export const timeAnchorSchema = z.strictObject({
  bootId: z.string().max(64),
  monoMs: z.number().nonnegative(),
  wallMs: z.number().int(),
  source: z.enum(['ntp', 'server']),
});
export type TimeAnchor = z.infer<typeof timeAnchorSchema>;

export const MAX_BATCH_ENTRIES = 50_000;

export const batchRequestSchema = z.strictObject({
  batchId: z.uuid(),
  deviceId: z.string(),
  entries: z.array(wireEntrySchema).min(1).max(MAX_BATCH_ENTRIES),
  timeAnchors: z.array(timeAnchorSchema).max(16).default([]),
});
export type BatchRequest = z.output<typeof batchRequestSchema>;

export const seqRangeSchema = z.object({ from: z.number().int(), to: z.number().int() });
export type SeqRange = z.infer<typeof seqRangeSchema>;

export const batchResponseSchema = z.object({
  batchId: z.string(),
  /** Entries stored for the first time by this request. */
  accepted: z.number().int().nonnegative(),
  /** Entries the server already had (a retried batch, or an entry resent in another batch). */
  duplicates: z.number().int().nonnegative(),
  /** The seq ranges of this batch the server now holds durably; the kiosk may mark them uploaded. */
  acked: z.array(seqRangeSchema),
  /** Seq ranges of this device the server has never received, below its highest seq. */
  gaps: z.array(seqRangeSchema),
  /** True when the same batchId had been received before. */
  replayed: z.boolean(),
});
export type BatchResponse = z.infer<typeof batchResponseSchema>;

// --- closed loop: passages ------------------------------------------------------------------

export const passageSchema = z.strictObject({
  entryId: z.uuid(),
  /** The sensor saw the person pass; false: nobody passed within the window after the gate opened. */
  passed: z.boolean(),
  at: z.number().int(),
});
export type Passage = z.infer<typeof passageSchema>;

export const passagesRequestSchema = z.strictObject({
  deviceId: z.string(),
  passages: z.array(passageSchema).min(1).max(1000),
});

export const passagesResponseSchema = z.object({
  applied: z.number().int().nonnegative(),
  /** Entry ids the server does not hold (yet); the kiosk sends passages only for acknowledged entries. */
  unknown: z.array(z.string()),
});

// --- listings and admin ---------------------------------------------------------------------

export const storedEntrySchema = wireEntrySchema.extend({
  deviceId: z.string(),
  venueId: z.string(),
  batchId: z.string(),
  receivedAt: z.number().int(),
  passage: z.enum(['passed', 'not-passed']).optional(),
});
export type StoredEntry = z.infer<typeof storedEntrySchema>;

export const venueCreateSchema = z.strictObject({
  name: z.string().min(1).max(200),
  kind: z.enum(VENUE_KINDS),
  /** The commune's code in the register of administrative units (5 digits); district and province follow. */
  commune: z.string().max(10).optional(),
});

export const venueCreatedSchema = z.object({
  venueId: z.string(),
  enrollmentCode: z.string(),
  expiresAt: z.number(),
});
export type VenueCreated = z.infer<typeof venueCreatedSchema>;

/** `POST /v1/venues/:venueId/codes` (operator): more one-time codes, for provisioning many kiosks. */
export const codesRequestSchema = z.strictObject({
  count: z.number().int().min(1).max(10_000).default(1),
  ttlHours: z.number().int().min(1).max(24 * 30).default(24),
});
export const codesResponseSchema = z.object({
  venueId: z.string(),
  codes: z.array(z.object({ code: z.string(), expiresAt: z.number() })),
});

/** `GET /v1/entries?fields=keys` (operator): the identity of each stored entry, paged by entryId. */
export const entryKeySchema = z.object({ entryId: z.string(), deviceId: z.string(), seq: z.number().int() });
export type EntryKey = z.infer<typeof entryKeySchema>;
export const entryKeysResponseSchema = z.object({ entries: z.array(entryKeySchema) });

export const timeResponseSchema = z.object({ serverTime: z.number() });

/** `GET /v1/whoami` (signed): proves the key works; for diagnostics. */
export const whoamiResponseSchema = z.object({ deviceId: z.string(), venueId: z.string(), serverTime: z.number() });

// --- fleet health: heartbeats ---------------------------------------------------------------

/** A heartbeat body larger than this is refused (413): the real one is well under 1 KiB. */
export const MAX_HEARTBEAT_BYTES = 8 * 1024;

const deviceStateSchema = z.enum(['connected', 'disconnected', 'waiting', 'absent', 'unknown']);
const ageMsSchema = z.number().int().nonnegative().max(10 * 365 * 86_400_000).nullable();

/**
 * `POST /v1/heartbeat` (signed like a batch): a kiosk's health, on start and every
 * `server.heartbeatIntervalMs` (5 min by default). Ages are in ms as the kiosk measured them; null
 * when the kiosk has no such thing (nothing pending, a list never synced).
 */
export const heartbeatRequestSchema = z.strictObject({
  deviceId: z.string().max(100),
  /** The kiosk's wall clock when it sent this. */
  sentAt: z.number().int(),
  /** Server clock minus the kiosk's, as the kiosk learnt it (0 when it never had to correct). */
  clockOffsetMs: z.number().int().min(-100 * 365 * 86_400_000).max(100 * 365 * 86_400_000),
  clockSynced: z.boolean(),
  appVersion: z.string().min(1).max(40),
  uptimeS: z.number().int().nonnegative().max(10 * 365 * 86_400),
  backlog: z.strictObject({
    pending: z.number().int().nonnegative(),
    oldestPendingAgeMs: ageMsSchema,
  }),
  lists: z.strictObject({
    riskListAgeMs: ageMsSchema,
    trustListAgeMs: ageMsSchema,
    /** Since the last status answer from the server. */
    statusAgeMs: ageMsSchema,
  }),
  freeDiskMiB: z.number().int().nonnegative().nullable(),
  devices: z.strictObject({
    scanner: deviceStateSchema,
    gate: deviceStateSchema,
    camera: deviceStateSchema,
  }),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

export const heartbeatResponseSchema = z.object({ receivedAt: z.number().int(), nextInMs: z.number().int() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

// --- request signing ------------------------------------------------------------------------

export const SIGNATURE_HEADERS = {
  device: 'x-kiosk-device',
  timestamp: 'x-kiosk-timestamp',
  nonce: 'x-kiosk-nonce',
  contentSha256: 'x-kiosk-content-sha256',
  signature: 'x-kiosk-signature',
} as const;

/** On answers to signed requests: the server's time, signed over the request's nonce. */
export const SERVER_TIME_HEADERS = {
  time: 'x-kiosk-server-time',
  signature: 'x-kiosk-server-signature',
} as const;

/** Binds the server time to one request's nonce, so an old signed time cannot be replayed. */
export function serverTimeSigningString(time: string, requestNonce: string): string {
  return ['KIOSK-TIME-V1', time, requestNonce].join('\n');
}

/** A signed request is accepted only within this distance of the server clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The exact bytes a kiosk signs with its Ed25519 key. Everything that changes the meaning of a
 * request is in it: method, path with query, time, a one-time nonce, the digest of the body as sent
 * (after gzip) and the device. Documented byte for byte in docs/api.md.
 */
export function signingString(parts: {
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  contentSha256: string;
  deviceId: string;
}): string {
  return [
    'KIOSK-SIG-V1',
    parts.method.toUpperCase(),
    parts.path,
    parts.timestamp,
    parts.nonce,
    parts.contentSha256,
    parts.deviceId,
  ].join('\n');
}
