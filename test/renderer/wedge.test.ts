import { describe, expect, it } from 'vitest';
import { WedgeDetector } from '../../renderer/wedge.ts';

/** Feeds `text` with `gapMs` between keys, starting at `t0`; returns the detector's verdict. */
function typeText(d: WedgeDetector, text: string, gapMs: number, suffix: string | undefined, t0 = 1000) {
  let t = t0;
  let result;
  for (const ch of text) {
    result = d.key(ch, t) ?? result;
    t += gapMs;
  }
  if (suffix) result = d.key(suffix, t);
  return result ?? d.flush();
}

describe('WedgeDetector', () => {
  it('recognises a scanner burst ending with Enter', () => {
    expect(typeText(new WedgeDetector(), '079303001234||Nguyen', 4, 'Enter')).toEqual({ kind: 'scan', text: '079303001234||Nguyen' });
  });

  it('recognises a burst without suffix after silence', () => {
    expect(typeText(new WedgeDetector(), 'QR00000123456', 10, undefined)).toEqual({ kind: 'scan', text: 'QR00000123456' });
  });

  it('gives a person typing back their keys (for the field they typed into)', () => {
    expect(typeText(new WedgeDetector(), '123456', 140, 'Enter')).toEqual({ kind: 'typed', keys: ['1', '2', '3', '4', '5', '6', 'Enter'] });
  });

  it('treats a short fast burst (a PIN pasted by a macro key) as typing, not a scan', () => {
    expect(typeText(new WedgeDetector(), '1234', 5, 'Enter')).toEqual({ kind: 'typed', keys: ['1', '2', '3', '4', 'Enter'] });
  });

  it('ignores non-character keys inside a burst', () => {
    const d = new WedgeDetector();
    for (const [i, k] of ['A', 'B', 'Shift', 'C', 'D', 'E', 'F'].entries()) d.key(k, 1000 + i * 5);
    expect(d.flush()).toEqual({ kind: 'scan', text: 'ABCDEF' });
  });
});
