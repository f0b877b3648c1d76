import { describe, expect, it } from 'vitest';
import { createNodeFrameDecoder } from '../../scripts/cli/camera-decoder.ts';
import { photos } from '../../scripts/bench/qr-photos.ts';

/**
 * Regression over ZXing's camera-made black-box photographs (test/fixtures/qr-photos): every pass
 * on every picture (no time budget, so the result does not depend on the machine's load).
 * Measured: 157 of the 165 pictures of the UTF-8 sets (156 when this test was written; ZBar on a
 * smoothed full-size small frame added a crumpled print, qrcode-4/08). The eight missed are seven
 * codes printed on crumpled fabric (qrcode-4) and one outline-rendered screen (qrcode-2/13), which
 * several passes would read as "...photography..." where upstream's text says "photograph": no pass
 * that reads it is kept, so it stays missed rather than counted wrong.
 */
describe('camera decoder on real photographs', () => {
  it('reads the UTF-8 sets as before, never a wrong text', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const tally = { utf8: { read: 0, wrong: 0, total: 0 }, japanese: { read: 0, wrong: [] as string[], total: 0 } };
    for (const p of photos()) {
      const { text } = await decoder.decode(p.image);
      if (p.isUtf8Set) {
        tally.utf8.total++;
        if (text === p.text) tally.utf8.read++;
        else if (text !== null) tally.utf8.wrong++;
      } else {
        tally.japanese.total++;
        if (text === p.text) tally.japanese.read++;
        else if (text !== null) tally.japanese.wrong.push(p.name);
      }
    }
    expect(tally.utf8.total).toBe(165);
    expect(tally.utf8.wrong).toBe(0);
    expect(tally.utf8.read).toBeGreaterThanOrEqual(157);
    // Shift_JIS byte-mode codes come out with replacement characters and are refused, never shown.
    // The one exception is a code inside a code ("double QR"): the inner one is read, upstream expects the outer.
    expect(tally.japanese.wrong).toEqual(['qrcode-2/16.png']);
  }, 60_000);
});
