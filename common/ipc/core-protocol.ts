import { z } from 'zod';
import { kioskEventSchema } from '../events.ts';
import { kioskStatusSchema, submittedScanSchema } from './contract.ts';

/**
 * Messages between a supervisor (Electron main, or the `kiosk run` parent) and the core process
 * (Electron utilityProcess, or a forked Node child). Validated on receipt in both directions.
 */
export const toCoreSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('scan'), scan: submittedScanSchema }),
  z.object({ type: z.literal('status'), requestId: z.number().int() }),
  z.object({ type: z.literal('shutdown') }),
  z.object({ type: z.literal('selfTest'), what: z.literal('gate') }),
]);
export type ToCore = z.infer<typeof toCoreSchema>;

export const fromCoreSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: kioskEventSchema }),
  z.object({ type: z.literal('status'), requestId: z.number().int(), status: kioskStatusSchema }),
  z.object({ type: z.literal('alive'), at: z.number() }),
]);
export type FromCore = z.infer<typeof fromCoreSchema>;
