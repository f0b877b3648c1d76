/**
 * Keyboard-wedge fallback for a scanner the app cannot open (docs/hardware.md §1.2): tells a scanner's
 * keystroke burst from a person typing by inter-key timing. Scanners type with 0-30 ms between keys
 * and end with Enter or Tab; a fast typist needs ~100 ms or more per key (onScan.js defaults:
 * 30 ms average per char, 6 chars minimum, 100 ms of silence ends a scan).
 *
 * Every key is held back until its burst is classified, so scanned text can never land in a text
 * field: a scan is submitted, typing is replayed into the field it was meant for.
 */
export interface WedgeOptions {
  /** Mean gap between keys at or below which a burst is a scanner. */
  maxMeanGapMs: number;
  minLength: number;
  /** Silence that ends a burst without a suffix key. */
  endSilenceMs: number;
}

export const WEDGE_DEFAULTS: WedgeOptions = { maxMeanGapMs: 35, minLength: 6, endSilenceMs: 100 };

export type WedgeResult = { kind: 'scan'; text: string } | { kind: 'typed'; keys: string[] };

const SUFFIX = new Set(['Enter', 'Tab']);

export class WedgeDetector {
  private readonly o: WedgeOptions;
  private keys: string[] = [];
  private times: number[] = [];

  constructor(options: Partial<WedgeOptions> = {}) {
    this.o = { ...WEDGE_DEFAULTS, ...options };
  }

  get isBuffering(): boolean {
    return this.keys.length > 0;
  }

  /** A key (KeyboardEvent.key) at `atMs`; returns a result when a suffix key closes the burst. */
  key(key: string, atMs: number): WedgeResult | undefined {
    if (SUFFIX.has(key)) {
      this.times.push(atMs);
      const r = this.classify(key);
      return r;
    }
    if (key.length !== 1) return undefined;
    this.keys.push(key);
    this.times.push(atMs);
    return undefined;
  }

  /** Call after `endSilenceMs` without keys: classifies and empties the buffer. */
  flush(): WedgeResult | undefined {
    return this.keys.length === 0 ? undefined : this.classify(undefined);
  }

  private classify(suffix: string | undefined): WedgeResult {
    const keys = this.keys;
    const times = this.times;
    this.keys = [];
    this.times = [];
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    const mean = gaps.length === 0 ? Infinity : gaps.reduce((a, b) => a + b, 0) / gaps.length;
    if (keys.length >= this.o.minLength && mean <= this.o.maxMeanGapMs) return { kind: 'scan', text: keys.join('') };
    return { kind: 'typed', keys: suffix ? [...keys, suffix] : keys };
  }
}
