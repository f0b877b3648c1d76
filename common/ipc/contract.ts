import { z } from 'zod';
import type { KioskEvent } from '../events.ts';
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
}

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
});
export type KioskStatus = z.infer<typeof kioskStatusSchema>;

export { CHANNELS, CHANNEL_PREFIX } from './channels.ts';
