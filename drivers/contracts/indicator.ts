/**
 * Indicator contract: a light (LED, tower light, blink(1)) and optionally a buzzer.
 * Missing capabilities follow the IO-plugin rule: a single-colour LED asked for amber does the
 * closest thing it can and succeeds; only an indicator that can show nothing at all throws.
 */
export type IndicatorColor = 'green' | 'red' | 'amber' | 'off';
export type IndicatorMode = 'steady' | 'blink' | 'pulse';
export type Sound = 'allow' | 'deny' | 'warn' | 'none';

export interface IndicatorPattern {
  color: IndicatorColor;
  mode: IndicatorMode;
  /** How long the pattern shows before returning to idle. */
  durationMs: number;
  sound: Sound;
}

export interface Indicator {
  readonly id: string;
  start(): Promise<void>;
  show(pattern: IndicatorPattern): Promise<void>;
  stop(): Promise<void>;
}
