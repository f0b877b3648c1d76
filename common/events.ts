import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { DIRECTIONS, FORMATS, HEALTH_STATUSES, STATUS_SOURCES, VERDICTS } from './verdict.ts';

/**
 * The kiosk event stream: `kiosk run --events -` prints these as NDJSON, the Electron main process
 * forwards them to the renderer, and the browser bridge sends them over its WebSocket.
 * Field names spelled out in the issues are a public contract; add fields, never rename them.
 */

const verdictEvent = z.object({
  type: z.literal('verdict'),
  entryId: z.string(),
  /** Absent only when the entry could not be stored (disk full, read-only): see the error event. */
  seq: z.number().int().positive().optional(),
  format: z.enum(FORMATS),
  verdict: z.enum(VERDICTS),
  reasons: z.array(z.string()),
  /** Where the status came from: online, cache, risk-list, offline (the offline rule), credential, none. */
  source: z.enum(STATUS_SOURCES),
  /** Last scanner byte in to verdict known (durable commit included). */
  latencyMs: z.number(),
  status: z.enum(HEALTH_STATUSES),
  direction: z.enum(DIRECTIONS),
  /** Masked for display: "Nguyễn V*** A**". Never stored unmasked by default. */
  displayName: z.string().optional(),
  /** Age of the data behind an offline decision, in ms; absent when the answer is fresh. */
  dataAgeMs: z.number().optional(),
  /** What the credential says for the guard (EU DCC: type, product, dose, country); never personal data. */
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  scanner: z.string(),
  at: z.number(),
});

const gateEvent = z.object({
  type: z.literal('gate'),
  state: z.enum(['open', 'closed']),
  entryId: z.string().optional(),
  pulseMs: z.number().optional(),
  at: z.number(),
});

const storedEvent = z.object({
  type: z.literal('stored'),
  entryId: z.string(),
  seq: z.number().int().positive(),
});

const uploadedEvent = z.object({
  type: z.literal('uploaded'),
  batchId: z.string(),
  count: z.number().int().nonnegative(),
  fromSeq: z.number().int(),
  toSeq: z.number().int(),
  duplicates: z.number().int().nonnegative(),
});

const errorEvent = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const duplicateEvent = z.object({
  type: z.literal('duplicate'),
  scanner: z.string(),
  at: z.number(),
});

const deviceEvent = z.object({
  type: z.literal('device'),
  device: z.enum(['scanner', 'gate', 'indicator', 'camera']),
  id: z.string(),
  state: z.enum(['connected', 'disconnected', 'waiting']),
  detail: z.string().optional(),
});

const connectivityEvent = z.object({
  type: z.literal('connectivity'),
  online: z.boolean(),
  detail: z.string().optional(),
});

const readyEvent = z.object({
  type: z.literal('ready'),
  /** The core process (for a technician's `kill`, and the watchdog tests). */
  pid: z.number().int().optional(),
  deviceId: z.string().optional(),
  venueId: z.string().optional(),
  scanner: z.string(),
  gate: z.string(),
});

/** Storage health: `low` is a warning (free space below store.lowSpaceMiB); the others mean writes fail. */
const storageEvent = z.object({
  type: z.literal('storage'),
  state: z.enum(['ok', 'low', 'full', 'read-only', 'failed']),
  /** Decided entries waiting in memory for the disk. */
  spilled: z.number().int().nonnegative().optional(),
  freeMiB: z.number().optional(),
});

/** Closed loop: after the gate opened for `entryId`, the sensor saw the person pass, or nobody passed in time. */
const passageEvent = z.object({
  type: z.literal('passage'),
  entryId: z.string(),
  passed: z.boolean(),
});

/** The offline risk list was synced: its size and when. */
const riskListEvent = z.object({
  type: z.literal('risk-list'),
  size: z.number().int().nonnegative(),
  syncedAt: z.number(),
});

/** The EU DCC trust list was loaded or synced: the guard sees its age ("keys 3 days old"). */
const trustListEvent = z.object({
  type: z.literal('trust-list'),
  size: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
  /** Null when the kiosk has never synced (only a local trust file, or nothing). */
  syncedAt: z.number().nullable(),
});

/** Browser mode is up: the guard screen's address (with the bridge token). */
const uiEvent = z.object({
  type: z.literal('ui'),
  url: z.string(),
});

const stoppedEvent = z.object({
  type: z.literal('stopped'),
  reason: z.string(),
  /** Peak resident memory of the core process over its life (VmHWM), when the platform tells. */
  peakRssMiB: z.number().optional(),
});

export const kioskEventSchema = z.discriminatedUnion('type', [
  verdictEvent,
  gateEvent,
  storedEvent,
  uploadedEvent,
  errorEvent,
  duplicateEvent,
  deviceEvent,
  connectivityEvent,
  readyEvent,
  storageEvent,
  riskListEvent,
  trustListEvent,
  uiEvent,
  passageEvent,
  stoppedEvent,
]);

export type KioskEvent = z.infer<typeof kioskEventSchema>;
export type KioskEventType = KioskEvent['type'];
export type EventOf<T extends KioskEventType> = Extract<KioskEvent, { type: T }>;
export type VerdictEvent = EventOf<'verdict'>;

export type EventSink = (event: KioskEvent) => void;
