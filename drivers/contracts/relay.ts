/**
 * Relay contract: one switchable output (a relay channel, a GPIO line, an LED).
 * It knows nothing about gates; `core/actuation` decides pulse lengths and when to switch.
 *
 * Obligations:
 * - `start` opens the device and drives the output to its safe state before resolving.
 * - `set` resolves once the command has been written to the device (not when the contact moved).
 *   A write error rejects with a KioskError `relay-write-failed` or `relay-disconnected`.
 * - Wiring inversions (normally-closed contacts, active-low lines) are handled inside the adapter:
 *   `set(true)` always means "energise the function" (open the gate, light the lamp).
 * - `safe` drives the output to its safe state and must work after a failed `set`.
 * - `stop` drives the safe state, then releases the device.
 * - `hardwarePulse`, when present, makes the device time the pulse itself (LED oneshot trigger,
 *   turnstile pulse mode), so the pulse ends even if this process dies.
 */
export interface Relay {
  readonly id: string;
  start(): Promise<void>;
  set(isOn: boolean): Promise<void>;
  safe(): Promise<void>;
  stop(): Promise<void>;
  hardwarePulse?(ms: number): Promise<void>;
  /** Read the output back where the hardware allows; undefined when it cannot. */
  readState?(): Promise<boolean | undefined>;
}
