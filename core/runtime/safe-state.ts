import type { Relay } from '../../drivers/contracts/relay.ts';

/**
 * Drives every output to its de-energised safe state from the supervisor, after the core died.
 * Each output is tried even when another fails (a missing lamp must not keep the gate open).
 */
export async function restoreOutputs(outputs: readonly Relay[]): Promise<void> {
  const failures: string[] = [];
  for (const output of outputs) {
    try {
      // start() drives the safe state on open; stop() drives it again and releases the device.
      await output.start();
      await output.stop();
    } catch (err) {
      failures.push(`${output.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not drive safe: ${failures.join('; ')}`);
}
