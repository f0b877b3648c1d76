import type { Verdict } from '../../common/verdict.ts';

/**
 * One distinct sound per verdict, made with Web Audio (no files): a short rising chirp to enter,
 * a double beep to check, a long low tone for a refusal. Told apart by rhythm and pitch, not only
 * by loudness, so they carry through a noisy hall.
 */
const PATTERNS: Record<Verdict, Array<{ hz: number; ms: number; gapMs: number }>> = {
  allow: [
    { hz: 880, ms: 90, gapMs: 0 },
    { hz: 1320, ms: 120, gapMs: 0 },
  ],
  warn: [
    { hz: 660, ms: 150, gapMs: 120 },
    { hz: 660, ms: 150, gapMs: 0 },
  ],
  deny: [{ hz: 220, ms: 700, gapMs: 0 }],
};

let context: AudioContext | undefined;

export function playVerdictSound(verdict: Verdict): void {
  // Marked on the page so tests (and a technician's eye) can tell which sound played.
  document.documentElement.dataset.lastSound = verdict;
  try {
    context ??= new AudioContext();
    let t = context.currentTime + 0.01;
    for (const tone of PATTERNS[verdict]) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.type = verdict === 'deny' ? 'square' : 'sine';
      osc.frequency.value = tone.hz;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.4, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + tone.ms / 1000);
      osc.connect(gain).connect(context.destination);
      osc.start(t);
      osc.stop(t + tone.ms / 1000 + 0.02);
      t += (tone.ms + tone.gapMs) / 1000;
    }
  } catch {
    // No audio device: the screen and the lamps still show the verdict.
  }
}
