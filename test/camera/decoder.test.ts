import { describe, expect, it } from 'vitest';
import { MAX_SIDE, sharpen3 } from '../../common/qr/frame-decoder.ts';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { expectedText, fieldFrame, fieldSequence } from '../../scripts/bench/camera-field.ts';
import { makeFrame } from '../../scripts/bench/camera-frames.ts';
import { createNodeFrameDecoder } from '../../scripts/cli/camera-decoder.ts';
import { rng } from '../../server/services/seed.ts';


/** Nearest-neighbour ×k: a camera that sends far more pixels than the decoder needs. */
function enlarge(img: Gray8, k: number): Gray8 {
  const w = img.width * k;
  const out = new Uint8Array(w * img.height * k);
  for (let y = 0; y < img.height * k; y++) for (let x = 0; x < w; x++) out[y * w + x] = img.data[Math.floor(y / k) * img.width + Math.floor(x / k)] as number;
  return { data: out, width: w, height: img.height * k };
}

describe('camera decoder', () => {
  it('reads dense, dark-mode and glare frames of the field set', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    for (const [category, index] of [
      ['dense-dcc', 0],
      ['dark-mode', 1],
      ['screen-glare', 0],
    ] as const) {
      const frame = fieldFrame(category, index);
      const read = await decoder.decode(frame.image);
      expect(read.text, frame.name).toBe(expectedText(frame));
      expect(read.decoder).toMatch(/^zxing|zbar/);
    }
  }, 60_000);

  it('reads an out-of-focus dense DCC that ZXing-C++ reads only once the frame is sharpened', async () => {
    // Every pass in order, stopping at the first text: the plain ZXing-C++ passes before it all failed.
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const frame = fieldFrame('dense-dcc', 0);
    const read = await decoder.decode(frame.image);
    expect(read.text).toBe(expectedText(frame));
    expect(read.decoder).toBe('zxing-sharp');
    expect(read.passes[0]).toBe('zxing');
    expect(read.passes.at(-1)).toBe('zxing-sharp');
  }, 60_000);

  it('sharpens edges and leaves flat areas and the frame size as they were', () => {
    const width = 6;
    const height = 3;
    // A dark half and a light half: the edge steepens, each side beyond the edge stays as it was.
    const data = Uint8Array.from({ length: width * height }, (_, i) => (i % width < 3 ? 60 : 200));
    const out = sharpen3({ data, width, height });
    expect([out.width, out.height]).toEqual([width, height]);
    for (let y = 0; y < height; y++) {
      const row = Array.from(out.data.subarray(y * width, (y + 1) * width));
      expect(row).toEqual([60, 60, 0, 255, 200, 200]);
    }
  });

  it('takes neither text when two different codes are in view, and says so', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const frame = fieldFrame('multi', 0);
    const read = await decoder.decode(frame.image);
    expect(read.text).toBeNull();
    expect(frame.expect.kind).toBe('conflict');
    expect(new Set(read.conflict)).toEqual(new Set(frame.expect.kind === 'conflict' ? frame.expect.texts : []));
  }, 60_000);

  it('in a stream, takes no lone text while two codes are in view (a pass that reads part of the frame sees one)', async () => {
    // No budget: every pass runs, in the stream's order (the third frame starts with the passes that
    // look at a region, a tile or a halved frame), so the result does not depend on the machine.
    const decoder = await createNodeFrameDecoder({ budgetMs: Infinity });
    const lone: string[] = [];
    let withheld = 0;
    for (const index of [10, 11, 12, 13]) {
      decoder.reset();
      for (const frame of fieldSequence('multi', index, 6)) {
        const read = await decoder.decode(frame.image);
        if (read.text !== null) lone.push(frame.name);
        if (read.withheld) withheld++;
      }
    }
    expect(lone).toEqual([]);
    expect(withheld).toBeGreaterThan(0);
  }, 120_000);

  it('returns nothing for scenes without a code, QR-like noise and random pixels', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false, budgetMs: Infinity });
    const r = rng(15);
    const noise = { data: new Uint8Array(1280 * 720).map(() => (r() < 0.5 ? 20 : 235)), width: 1280, height: 720 };
    for (const image of [fieldFrame('qr-like', 0).image, fieldFrame('qr-like', 1).image, fieldFrame('empty', 0).image, noise]) {
      const read = await decoder.decode(image);
      expect(read.text).toBeNull();
      expect(read.conflict).toBeUndefined();
    }
  }, 60_000);

  it('refuses empty and truncated frames without throwing', async () => {
    const decoder = await createNodeFrameDecoder();
    expect((await decoder.decode({ data: new Uint8Array(0), width: 0, height: 0 })).rejected).toMatch(/too small/);
    expect((await decoder.decode({ data: new Uint8Array(100), width: 1280, height: 720 })).rejected).toMatch(/truncated/);
    expect((await decoder.decode({ data: new Uint8Array(4), width: Number.NaN, height: 2 })).rejected).toBeDefined();
    // Still works afterwards.
    const frame = makeFrame('clean', 0, 640, 480);
    expect((await decoder.decode(frame.image)).text).toBe(frame.text);
  }, 60_000);

  it('reduces a huge frame before decoding (8000×8000 costs no more memory than a small one), and a code in a large frame is still read', async () => {
    const decoder = await createNodeFrameDecoder({ stream: false });
    const huge = { data: new Uint8Array(8000 * 8000).fill(128), width: 8000, height: 8000 };
    const rss0 = process.memoryUsage().rss;
    const read = await decoder.decode(huge);
    expect(read.text).toBeNull();
    expect(read.passes.length).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(48 * 2 ** 20);
    const frame = makeFrame('clean', 1, 640, 480);
    const large = enlarge(frame.image, 4);
    expect(large.width).toBeGreaterThan(MAX_SIDE);
    expect((await decoder.decode(large)).text).toBe(frame.text);
  }, 60_000);

  it('answers every frame of a 120-frame burst, one at a time, with memory flat', async () => {
    // Time per frame is the benchmark's (docs/benchmarks.md), not a timed assertion here.
    const decoder = await createNodeFrameDecoder({ budgetMs: 10 });
    const frames = [fieldFrame('empty', 2).image, fieldFrame('qr-like', 2).image];
    for (const f of frames) await decoder.decode(f);
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 120; i++) {
      const read = await decoder.decode(frames[i % 2] as Gray8);
      expect(read.text).toBeNull();
      expect(read.passes.length).toBeGreaterThan(0);
    }
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * 2 ** 20);
  }, 60_000);

  it('reads a hand-held sequence as a stream, spreading its passes over the frames', async () => {
    const decoder = await createNodeFrameDecoder({ budgetMs: 10 });
    const seq = fieldSequence('perspective', 0, 10);
    const passes = new Set<string>();
    let readAt = -1;
    for (const [k, f] of seq.entries()) {
      const read = await decoder.decode(f.image);
      for (const p of read.passes) passes.add(p);
      if (read.text !== null) {
        expect(read.text).toBe(expectedText(f));
        readAt = k;
        break;
      }
    }
    expect(readAt).toBeGreaterThanOrEqual(0);
    expect(passes.has('zxing')).toBe(true);
  }, 60_000);
});
