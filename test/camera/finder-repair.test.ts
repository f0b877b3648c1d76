import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { findFinderCandidates, repairsFor } from '../../common/qr/finder-repair.ts';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { drawCode } from '../../scripts/bench/camera-frames.ts';
import { createNodeFrameDecoder } from '../../scripts/cli/camera-decoder.ts';
import { rng } from '../../server/services/seed.ts';

const WIDTH = 640;
const HEIGHT = 480;

/** Modules with the finder pattern at (col, row) wiped to paper: what a finger or glare leaves. */
function withoutFinder(modules: { size: number; data: Uint8Array }, col: number, row: number): { size: number; data: Uint8Array } {
  const data = modules.data.slice();
  for (let y = row; y < row + 7; y++) for (let x = col; x < col + 7; x++) data[y * modules.size + x] = 0;
  return { size: modules.size, data };
}

/** A frame as the camera gives it: the code on grey, a little sensor noise, 8 bits. */
function frame(modules: { size: number; data: Uint8Array }, seed: number): Gray8 {
  const img = new Float32Array(WIDTH * HEIGHT).fill(0.5);
  drawCode(img, modules, WIDTH, HEIGHT, { cx: 300, cy: 250, side: (modules.size + 8) * 4, angle: 0.2, keystone: 0, tilt: 0 }, { paper: 0.92, ink: 0.08 });
  const r = rng(seed);
  const data = new Uint8Array(WIDTH * HEIGHT);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(((img[i] as number) + (r() - 0.5) * 0.06) * 255)));
  return { data, width: WIDTH, height: HEIGHT };
}

describe('finder-pattern repair', () => {
  it('reads a code whose third finder pattern is gone, through the repair pass', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const text = 'HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZPEOK2W0';
    const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    const n = modules.size;
    // Each of the three finder patterns in turn: adjacent (top-right, bottom-left) and diagonal (top-left) pairs remain.
    for (const [col, row] of [
      [0, 0],
      [n - 7, 0],
      [0, n - 7],
    ] as const) {
      const read = await decoder.decode(frame(withoutFinder(modules, col, row), 7 + col + row));
      expect(read.text, `finder at ${col},${row} wiped`).toBe(text);
      expect(read.decoder).toBe('zxing-repair');
    }
  }, 60_000);

  it('reads nothing from QR-like noise with two finder patterns, though it tries', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const r = rng(15);
    for (const size of [25, 33]) {
      // Random modules and two finder patterns: the repair paints the third, Reed-Solomon refuses.
      const data = Uint8Array.from({ length: size * size }, () => (r() < 0.5 ? 1 : 0));
      for (const [fx, fy] of [
        [0, 0],
        [size - 7, 0],
        [0, size - 7],
      ] as const) {
        // With their light separators, as in a real code: the noise most like a code there is.
        for (let y = -1; y < 8; y++) {
          for (let x = -1; x < 8; x++) {
            if (fx + x < 0 || fy + y < 0 || fx + x >= size || fy + y >= size) continue;
            const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
            data[(fy + y) * size + fx + x] = ring === 2 || ring === 4 ? 0 : 1;
          }
        }
      }
      const img = frame(withoutFinder({ size, data }, 0, size - 7), size);
      expect(repairsFor(img, findFinderCandidates(img)).length).toBeGreaterThan(0);
      const read = await decoder.decode(img);
      expect(read.text).toBeNull();
      expect(read.conflict).toBeUndefined();
      expect(read.passes).toContain('zxing-repair');
    }
  }, 60_000);

  it('proposes no repair where there is no finder pattern', () => {
    const r = rng(3);
    const img: Gray8 = { data: Uint8Array.from({ length: WIDTH * HEIGHT }, () => 120 + Math.floor(r() * 20)), width: WIDTH, height: HEIGHT };
    expect(findFinderCandidates(img)).toEqual([]);
    expect(repairsFor(img, [])).toEqual([]);
  });
});
