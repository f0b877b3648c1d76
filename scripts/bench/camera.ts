import { createFrameDecoder } from '../../common/qr/frame-decoder.ts';
import { decodeQrStock } from '../../common/qr/qr-decoder.ts';
import { CATEGORIES, frameSet, type Category } from './camera-frames.ts';
import { distribution, type Suite } from './common.ts';

const PER_CATEGORY = Number(process.env.BENCH_CAMERA_FRAMES ?? 12);

interface Tally {
  frames: number;
  read: number;
  wrong: number;
  falsePositives: number;
}

/**
 * The camera decoder against stock @zxing/library (one hybrid-binarizer pass over the full frame,
 * TRY_HARDER, UTF-8: what a browser reader runs), on the same generated frames in the same run:
 * 640×480 and 1280×720; DCC strings of 300-600 characters (QR versions 13-19), CCCD texts in
 * UTF-8, short tokens; clean, scale, rotation, perspective, blur, sensor noise, low contrast, glare,
 * screen moiré, finger occlusion, dark-mode inverted, and frames without a code. Decode time
 * excludes frame generation.
 */
export const cameraSuite: Suite = {
  name: 'camera',
  description: `camera decoder vs stock @zxing/library, ${PER_CATEGORY} frames per category at 640x480 and 1280x720`,
  async run(log) {
    const decoder = await createFrameDecoder();
    const results: Record<string, unknown> = {};
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
    ] as const) {
      const tallies = { ours: {} as Record<Category, Tally>, stock: {} as Record<Category, Tally> };
      const times = { ours: [] as number[], stock: [] as number[] };
      for (const frame of frameSet(width, height, PER_CATEGORY)) {
        for (const [who, decode] of [
          ['ours', (f: typeof frame) => decoder.decode(f.image)],
          ['stock', (f: typeof frame) => Promise.resolve(decodeQrStock(f.image))],
        ] as const) {
          const t0 = performance.now();
          const text = await decode(frame);
          times[who].push(performance.now() - t0);
          const tally = (tallies[who][frame.category] ??= { frames: 0, read: 0, wrong: 0, falsePositives: 0 });
          tally.frames++;
          if (frame.text === null) {
            if (text !== null) tally.falsePositives++;
          } else if (text === frame.text) tally.read++;
          else if (text !== null) tally.wrong++;
        }
      }
      const summary = (who: 'ours' | 'stock') => {
        const withCode = CATEGORIES.filter((c) => c !== 'no-code').map((c) => tallies[who][c]);
        const frames = withCode.reduce((a, t) => a + t.frames, 0);
        const read = withCode.reduce((a, t) => a + t.read, 0);
        const d = distribution(times[who]);
        return {
          readRatePct: Math.round((1000 * read) / frames) / 10,
          wrongTexts: Object.values(tallies[who]).reduce((a, t) => a + t.wrong, 0),
          falsePositives: tallies[who]['no-code'].falsePositives,
          decodeMedianMs: d.p50,
          decodeP95Ms: d.p95,
          perCategoryReadPct: Object.fromEntries(CATEGORIES.map((c) => [c, c === 'no-code' ? null : Math.round((100 * tallies[who][c].read) / tallies[who][c].frames)])),
        };
      };
      const ours = summary('ours');
      const stock = summary('stock');
      const key = `${width}x${height}`;
      results[key] = { ours, stock, pointsOverStock: Math.round((ours.readRatePct - stock.readRatePct) * 10) / 10 };
      log(
        `  ${key}: ours ${ours.readRatePct}% read, ${ours.wrongTexts} wrong, ${ours.falsePositives} false positives, p50 ${ours.decodeMedianMs} ms, p95 ${ours.decodeP95Ms} ms | ` +
          `stock ${stock.readRatePct}% (${stock.wrongTexts} wrong, p95 ${stock.decodeP95Ms} ms)`,
      );
    }
    return { framesPerCategory: PER_CATEGORY, ...results };
  },
};
