import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { expectedText, fieldFrame, fieldSequence } from '../../scripts/bench/camera-field.ts';
import { drawCode } from '../../scripts/bench/camera-frames.ts';
import { createNodeFrameDecoder } from '../../scripts/cli/camera-decoder.ts';
import { rng } from '../../server/services/seed.ts';

/** The passes that take turns at the head of a stream's turn frames (common/qr/frame-decoder.ts). */
const TURN_PASSES = ['zxing-repair', 'zbar-half-1', 'zbar-half-2', 'zbar-half-3', 'zbar-region', 'zxing-harder', 'zxing-harder-inverted'];

/**
 * A 1280×720 frame of a code no pass can read: finder patterns intact (ZXing-C++ sees the code, so
 * the region passes have one to look at, and the repair finds pairs), a third of the data modules
 * flipped (Reed-Solomon refuses every reading).
 */
function unreadable(): Gray8 {
  const { size, data } = QRCode.create('HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZPEOK2W0', { errorCorrectionLevel: 'L' }).modules;
  const r = rng(15);
  const isFinder = (x: number, y: number) => (x < 8 || x >= size - 8) && (y < 8 || y >= size - 8) && !(x >= size - 8 && y >= size - 8);
  const modules = data.map((v, i) => (!isFinder(i % size, Math.floor(i / size)) && r() < 0.33 ? 1 - v : v));
  const width = 1280;
  const height = 720;
  const img = new Float32Array(width * height).fill(0.5);
  drawCode(img, { size, data: modules }, width, height, { cx: 600, cy: 340, side: (size + 8) * 5, angle: 0.15, keystone: 0, tilt: 0 }, { paper: 0.92, ink: 0.08 });
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(((img[i] as number) + (r() - 0.5) * 0.06) * 255)));
  return { data: out, width, height };
}

describe('camera decoder, passes taking turns in a stream', () => {
  it('runs every turn pass within 27 frames of a scene nothing reads, though none fits the budget', async () => {
    // A 1 ms budget: no pass ever fits, so only the forced ones run: the lead pair on lead frames,
    // the pass whose turn it is on turn frames, the sharpened frame on a stuck scene's second lead
    // frames. Before turns were forced, the expensive passes waited for their usual cost to fit
    // beside the lead, which at 10 ms it rarely did, here never.
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    const frame = unreadable();
    const firstRun = new Map<string, number>();
    const turnFrames: string[][] = [];
    for (let k = 0; k < 27; k++) {
      const read = await decoder.decode(frame);
      expect(read.text).toBeNull();
      for (const p of read.passes) if (!firstRun.has(p)) firstRun.set(p, k);
      if (k % 3 === 2) turnFrames.push(read.passes);
    }
    for (const p of TURN_PASSES) expect(firstRun.get(p), `${p} ran within 27 frames`).toBeDefined();
    // Each turn frame ran its one pass, none of the lead: the frame's cost is that pass's.
    for (const passes of turnFrames) expect(passes).toHaveLength(1);
    for (const passes of turnFrames) expect(TURN_PASSES).toContain(passes[0]);
    // The repair before every two others: three times in nine turns.
    expect(turnFrames.filter((p) => p[0] === 'zxing-repair')).toHaveLength(3);
    // ZBar's whole tiles are over any budget here: never forced.
    expect(firstRun.has('zbar-tile')).toBe(false);
  }, 120_000);

  it('gives a stuck scene (a code in view, three frames without a text) the second lead frame of every three, sharpened', async () => {
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    const frame = unreadable();
    const firsts: string[] = [];
    for (let k = 0; k < 12; k++) firsts.push((await decoder.decode(frame)).passes.join('+'));
    // Frame 1 (the scene is new) leads with ZXing-C++; 4, 7 and 10 (stuck) are sharpened alone; the
    // first lead frame of every three keeps the lead pair.
    expect(firsts[1]).toBe('zxing+zxing-half');
    for (const k of [4, 7, 10]) expect(firsts[k]).toBe('zxing-sharp');
    for (const k of [0, 3, 6, 9]) expect(firsts[k]).toBe('zxing+zxing-half');
  }, 60_000);

  it('reads an out-of-focus dense DCC held up on its first sharpened frame, after the lead pair failed on the frames before', async () => {
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    let read: { k: number; decoder: string | null; text: string | null } | undefined;
    const sequence = Array.from({ length: 12 }, (_, k) => fieldFrame('dense-dcc', 6, 1280, 720, k));
    for (const [k, frame] of sequence.entries()) {
      const r = await decoder.decode(frame.image);
      if (r.text !== null) {
        read = { k, decoder: r.decoder, text: r.text };
        break;
      }
    }
    expect(read).toEqual({ k: 4, decoder: 'zxing-sharp', text: sequence[0] && expectedText(sequence[0]) });
  }, 60_000);

  it('sharpens no frame of a scene without anything like a code (an idle kiosk pays nothing for it)', async () => {
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    const frame = fieldFrame('empty', 0).image;
    const ran = new Set<string>();
    for (let k = 0; k < 27; k++) for (const p of (await decoder.decode(frame)).passes) ran.add(p);
    // The whole cycle of turns ran, and never the sharpened frame.
    expect(ran.has('zxing-harder-inverted')).toBe(true);
    expect(ran.has('zxing-sharp')).toBe(false);
  }, 60_000);

  it('starts again from the first turn after reset, and leads with ZXing-C++ on a new scene', async () => {
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    const frame = unreadable();
    const first: string[][] = [];
    for (let round = 0; round < 2; round++) {
      decoder.reset();
      const passes: string[] = [];
      for (let k = 0; k < 4; k++) passes.push((await decoder.decode(frame)).passes.join('+'));
      first.push(passes);
    }
    expect(first[0]).toEqual(first[1]);
    expect(first[0]?.[0]).toBe('zxing+zxing-half');
    expect(first[0]).toContain('zxing-repair');
  }, 60_000);

  it('takes no lone text from a pass that reads part of the frame while two codes are in view', async () => {
    // The ZBar strips read half the frame alone on their turn frames (the 1 ms budget runs nothing
    // beside them): one of the two codes, which the two-code rule must withhold.
    const decoder = await createNodeFrameDecoder({ budgetMs: 1 });
    const lone: string[] = [];
    const ran = new Set<string>();
    for (const index of [10, 11, 12, 13]) {
      decoder.reset();
      for (const frame of fieldSequence('multi', index, 12)) {
        const read = await decoder.decode(frame.image);
        for (const p of read.passes) ran.add(p);
        if (read.text !== null) lone.push(`${frame.name}: ${read.decoder}`);
      }
    }
    expect(lone).toEqual([]);
    expect(ran.has('zbar-half-1')).toBe(true);
  }, 180_000);
});
