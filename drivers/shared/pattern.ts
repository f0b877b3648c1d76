import type { IndicatorMode, Sound } from '../contracts/indicator.ts';

/** On/off steps in ms, starting with "on". */
export type Steps = readonly number[];

const BLINK_MS = 250;

/** A light pattern as steps filling `durationMs`. */
export function lightSteps(mode: IndicatorMode, durationMs: number): Steps {
  switch (mode) {
    case 'steady':
      return [durationMs];
    case 'pulse':
      return [Math.min(200, durationMs)];
    case 'blink': {
      const steps: number[] = [];
      for (let t = 0; t < durationMs; t += BLINK_MS) steps.push(Math.min(BLINK_MS, durationMs - t));
      return steps;
    }
    default:
      return [durationMs];
  }
}

/**
 * One distinct sound per verdict, recognisable without looking (users asked for it to deter faked
 * scans): a short chirp for allow, a double beep for warn, a long tone for deny.
 */
export function soundSteps(sound: Sound): Steps {
  switch (sound) {
    case 'allow':
      return [80];
    case 'warn':
      return [80, 100, 80];
    case 'deny':
      return [600];
    case 'none':
      return [];
    default:
      return [];
  }
}

/** Plays steps on an output; starting a new play cancels the previous one. */
export class StepPlayer {
  private timers: Array<ReturnType<typeof setTimeout>> = [];
  private readonly setOutput: (isOn: boolean) => Promise<void>;
  private readonly onError: (err: unknown) => void;

  constructor(setOutput: (isOn: boolean) => Promise<void>, onError: (err: unknown) => void) {
    this.setOutput = setOutput;
    this.onError = onError;
  }

  async play(steps: Steps): Promise<void> {
    this.cancel();
    if (steps.length === 0) return;
    await this.setOutput(true);
    // Step i is an "on" step when i is even; at its end the output flips, and after the last step it is off.
    let at = 0;
    steps.forEach((ms, i) => {
      at += ms;
      const isOn = i < steps.length - 1 && i % 2 === 1;
      this.timers.push(setTimeout(() => void this.setOutput(isOn).catch(this.onError), at));
    });
  }

  cancel(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
