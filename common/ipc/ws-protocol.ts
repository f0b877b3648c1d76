import { z } from 'zod';
import { kioskEventSchema } from '../events.ts';
import { kioskStatusSchema, submittedScanSchema, technicianReplySchema, technicianRequestSchema } from './contract.ts';

/**
 * The browser bridge's WebSocket protocol (`kiosk run --ui-port`): the same KioskApi as Electron's
 * IPC, as JSON messages. Both ends validate everything they receive.
 */
export const WS_PATH = '/bridge';

export const clientMessageSchema = z.discriminatedUnion('method', [
  z.strictObject({ id: z.number().int().nonnegative(), method: z.literal('getStatus') }),
  z.strictObject({ id: z.number().int().nonnegative(), method: z.literal('submitScan'), params: submittedScanSchema }),
  z.strictObject({ method: z.literal('heartbeat') }),
  z.strictObject({ id: z.number().int().nonnegative(), method: z.literal('technician'), params: technicianRequestSchema }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const errorSchema = z.object({ code: z.string(), message: z.string() });
export const serverMessageSchema = z.union([
  z.strictObject({ id: z.number().int(), result: z.union([kioskStatusSchema, technicianReplySchema, z.null()]) }),
  z.strictObject({ id: z.number().int(), error: errorSchema }),
  z.strictObject({ event: kioskEventSchema }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
