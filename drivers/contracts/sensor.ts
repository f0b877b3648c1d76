/**
 * A passage sensor (door contact, turnstile rotation output): closed-loop confirmation that the
 * person went through after the gate opened. `onPassage` is called once per passage.
 */
export interface Sensor {
  readonly id: string;
  start(onPassage: () => void): Promise<void>;
  stop(): Promise<void>;
}
