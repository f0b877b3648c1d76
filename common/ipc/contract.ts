import { z } from 'zod';
import { kioskEventSchema, type KioskEvent } from '../events.ts';
import type { Result } from '../result.ts';

/**
 * The one typed bridge between the guard screen and the kiosk. The Electron preload exposes it as
 * `window.kiosk` (contextBridge); in browser mode a WebSocket client of `kiosk run --ui-port`
 * implements the same interface. The renderer cannot tell which transport it has.
 */
export interface KioskApi {
  /** A snapshot for the status strip; events keep it current afterwards. */
  getStatus(): Promise<KioskStatus>;
  /** Subscribes to the event stream; returns the unsubscribe function. */
  onEvent(listener: (event: KioskEvent) => void): () => void;
  /** A payload read in the renderer (camera decoder, keyboard-wedge fallback) enters the same pipeline. */
  submitScan(scan: SubmittedScan): Promise<Result<null>>;
  /** Renderer liveness for the watchdog: the main process pings systemd only while these arrive. */
  heartbeat(): void;
  /** The technician screen: every request carries the PIN; five wrong ones lock it for five minutes. */
  technician(request: TechnicianRequest): Promise<Result<TechnicianReply>>;
}

/**
 * KioskApi's members as a value, for the checks that need them at run time (what the preload
 * exposes, what the skipped Electron e2e expects on `window.kiosk`). The type below fails to compile
 * when a member is added to KioskApi and not here, or listed here and not in KioskApi.
 */
export const KIOSK_API_METHODS = ['getStatus', 'onEvent', 'submitScan', 'heartbeat', 'technician'] as const satisfies ReadonlyArray<keyof KioskApi>;
type UnlistedMethods = Exclude<keyof KioskApi, (typeof KIOSK_API_METHODS)[number]>;
export const KIOSK_API_METHODS_COMPLETE: [UnlistedMethods] extends [never] ? true : UnlistedMethods = true;

export const TECHNICIAN_ACTIONS = ['info', 'gate-test'] as const;

export const technicianRequestSchema = z.strictObject({
  pin: z.string().regex(/^\d{4,12}$/, 'the PIN is 4-12 digits'),
  action: z.enum(TECHNICIAN_ACTIONS),
});
export type TechnicianRequest = z.infer<typeof technicianRequestSchema>;

export const SUBMIT_SOURCES = ['camera', 'keyboard'] as const;

export const submittedScanSchema = z.strictObject({
  /** The decoded text, at most 4 KiB. */
  text: z.string().min(1).max(4096),
  source: z.enum(SUBMIT_SOURCES),
});
export type SubmittedScan = z.infer<typeof submittedScanSchema>;

export const kioskStatusSchema = z.object({
  deviceId: z.string().nullable(),
  venueId: z.string().nullable(),
  venueName: z.string().nullable(),
  direction: z.enum(['in', 'out']),
  isOnline: z.boolean(),
  outboxPending: z.number().int().nonnegative(),
  oldestPendingAt: z.number().nullable(),
  /** The EU DCC trust list: signers known and when it was last synced (null: never). */
  trustList: z.object({ size: z.number().int().nonnegative(), syncedAt: z.number().nullable() }).optional(),
  scanner: z.object({ id: z.string(), state: z.enum(['connected', 'disconnected', 'waiting']) }),
  gate: z.object({ id: z.string(), state: z.enum(['connected', 'disconnected', 'waiting']) }),
  /** How long a verdict stays on screen before the idle screen returns. */
  resultMs: z.number().int().positive(),
  locale: z.enum(['vi', 'en']),
  /** Camera scanning: off, or the capture size and frame rate the screen asks for. */
  camera: z.object({ enabled: z.boolean(), label: z.string().optional(), width: z.number().int(), height: z.number().int(), fps: z.number().int() }).optional(),
  sounds: z.boolean().optional(),
});
export type KioskStatus = z.infer<typeof kioskStatusSchema>;

export const technicianReplySchema = z.object({
  status: kioskStatusSchema.nullable(),
  /** The latest events, newest last: the technician's log tail. */
  recent: z.array(kioskEventSchema).max(100),
  message: z.string().optional(),
});
export type TechnicianReply = z.infer<typeof technicianReplySchema>;

export { CHANNELS, CHANNEL_PREFIX } from './channels.ts';
