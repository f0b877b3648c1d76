import { crop } from './crop.ts';
import type { Gray8 } from './qr-decoder.ts';

/**
 * Finder-pattern repair (issue 15): a QR code whose third finder pattern is hidden (glare on a
 * screen, a finger, a crack) is found by neither library, since both need all three. Two finder
 * patterns of one code fix where the third must be (a corner of the square they span); a clean
 * finder painted there, on a copy of the code's neighbourhood, lets ZXing-C++ find and read the
 * code. Painting rewrites only function-pattern modules (finder and separator), never data or
 * error-correction modules, so a text still comes only from a symbol whose Reed-Solomon check
 * passed: a finder painted at a wrong place gives a wrong grid, and the check fails.
 *
 * Environment-neutral (no DOM, no Node), like the decoder.
 */

export interface FinderCandidate {
  x: number;
  y: number;
  /** Pixels per module, from the pattern's width across and down. */
  module: number;
  /** Scan rows that crossed it: one row is often noise. */
  hits: number;
}

/** The statistics grid: blocks of this many pixels a side (sub-sampled 2×2). */
const BLOCK = 16;
/**
 * A neighbourhood whose range (max − min) is below this has no printed code in it: sensor noise
 * (σ ≈ 8 levels on the field frames) stays under it after the 2×2 sampling, ink on paper is far above.
 */
const MIN_RANGE = 48;
/** Rows scanned: every other one crosses the 3-module core of a finder of 2 px modules three times (two hits needed). */
const ROW_STEP = 2;
/** Finder patterns smaller than this (px per module) are not sought: nothing reads them anyway. */
const MIN_MODULE = 1.8;
/** More candidates than this: a busy scene (text, a grid), not two finders of one code. */
const MAX_CANDIDATES = 12;
/** Versions 1-25 (21-117 modules): larger codes at kiosk distances have modules below MIN_MODULE. */
const MAX_DIMENSION = 117;

interface Thresholds {
  /** Per block: the mean of its 3×3 neighbourhood, or -1 when the neighbourhood is flat. */
  level: Int16Array;
  cols: number;
}

/** Local thresholds: the mean of 48×48 px around each 16×16 block, like a hybrid binarizer, on every other pixel. */
function thresholds(img: Gray8): Thresholds {
  const { width: w, height: h, data } = img;
  const cols = Math.ceil(w / BLOCK);
  const rows = Math.ceil(h / BLOCK);
  const sum = new Float64Array(cols * rows);
  const count = new Uint16Array(cols * rows);
  const min = new Uint8Array(cols * rows);
  const max = new Uint8Array(cols * rows);
  // Block by block with the block's statistics in locals: 1.0 ms at 1280×720 where one pass over the
  // frame indexing the block arrays at every pixel took 1.5.
  for (let by = 0; by < rows; by++) {
    const y0 = by * BLOCK;
    const y1 = Math.min(h, y0 + BLOCK);
    for (let bx = 0; bx < cols; bx++) {
      const x0 = bx * BLOCK;
      const x1 = Math.min(w, x0 + BLOCK);
      let s = 0;
      let n = 0;
      let lo = 255;
      let hi = 0;
      for (let y = y0; y < y1; y += 2) {
        const r = y * w;
        for (let x = x0; x < x1; x += 2) {
          const v = data[r + x] as number;
          s += v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        n += (x1 - x0 + 1) >> 1;
      }
      const b = by * cols + bx;
      sum[b] = s;
      count[b] = n;
      min[b] = lo;
      max[b] = hi;
    }
  }
  const level = new Int16Array(cols * rows);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      let s = 0;
      let n = 0;
      let lo = 255;
      let hi = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = by + dy;
        if (yy < 0 || yy >= rows) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = bx + dx;
          if (xx < 0 || xx >= cols) continue;
          const b = yy * cols + xx;
          s += sum[b] as number;
          n += count[b] as number;
          lo = Math.min(lo, min[b] as number);
          hi = Math.max(hi, max[b] as number);
        }
      }
      level[by * cols + bx] = hi - lo < MIN_RANGE || n === 0 ? -1 : Math.round(s / n);
    }
  }
  return { level, cols };
}

/**
 * Runs of dark, light, dark, light, dark in 1:1:3:1:1, with more tolerance than ZXing's (which wants
 * every run within half a module): at 3 px per module a blurred, noisy ring is 2-5 px wide. Five
 * numbers, not an array: the row scan calls it for every five runs of every other row (hundreds of
 * thousands on a frame crossed by cracks), where an array per call made the search cost 13-60 ms CPU
 * by garbage collection alone.
 */
function isFinder5(a: number, b: number, c: number, d: number, e: number): boolean {
  const m = (a + b + c + d + e) / 7;
  if (m < MIN_MODULE) return false;
  if (c < 2 * m || c > 4.2 * m) return false;
  const lo = 0.4 * m;
  const hi = 1.9 * m;
  return a >= lo && a <= hi && b >= lo && b <= hi && d >= lo && d <= hi && e >= lo && e <= hi;
}

/**
 * Finder-like patterns in a gray frame: row scan for 1:1:3:1:1, checked down the centre column.
 * Hand-written: @zxing/library's FinderPatternFinder keeps only three candidates and its ratio test
 * (each run within half a module) misses finder patterns that ZXing-C++ finds at 3 px per module
 * (field frame finger 05); ZXing-C++ does not expose its candidates.
 *
 * No closure in the row scan: the engine inlined a closure made per call into it, then threw the
 * optimised code away on the next call ("wrong call target"), and the search cost 10-40 ms CPU on
 * the camera stream's frames instead of about 3.
 */
export function findFinderCandidates(img: Gray8): FinderCandidate[] {
  const { width: w, height: h, data } = img;
  const t = thresholds(img);
  const hits: number[] = [];
  scanRows(data, w, h, t, hits);
  const found: FinderCandidate[] = [];
  for (let i = 0; i < hits.length; i += 3) addCandidate(img, t, hits[i] as number, hits[i + 1] as number, hits[i + 2] as number, found);
  return found.filter((f) => f.hits >= 2);
}

/** Whether (x, y) is dark against its block's threshold (a flat block: never). */
function isDarkAt(img: Gray8, t: Thresholds, x: number, y: number): boolean {
  const l = t.level[((y / BLOCK) | 0) * t.cols + ((x / BLOCK) | 0)] as number;
  return l >= 0 && (img.data[y * img.width + x] as number) < l;
}

/**
 * From (x, y) along one axis, `step` ±1: the lengths of the dark run through it (counting the start),
 * the light run next and the dark run after; null past `limit` or the frame's edge.
 */
function walk(img: Gray8, t: Thresholds, x: number, y: number, isAcross: boolean, step: number, limit: number): [number, number, number] | null {
  const len = isAcross ? img.width : img.height;
  const counts: [number, number, number] = [0, 0, 0];
  let p = isAcross ? x : y;
  for (let state = 0; state < 3; state++) {
    const want = state !== 1;
    let n = 0;
    while (p >= 0 && p < len && isDarkAt(img, t, isAcross ? p : x, isAcross ? y : p) === want && n <= limit) {
      n++;
      p += step;
    }
    counts[state] = n;
    if (n > limit || p < 0 || p >= len) return null;
  }
  return counts;
}

/** Runs through (x, y) along one axis: [outer, light, centre, light, outer] and the centre's middle; null when not a finder. */
function crossRuns(img: Gray8, t: Thresholds, x: number, y: number, isAcross: boolean, limit: number): { runs: number[]; mid: number } | null {
  if (!isDarkAt(img, t, x, y)) return null;
  // From the centre outwards: the centre's own dark run, then light, then dark, each way.
  const back = walk(img, t, x, y, isAcross, -1, limit);
  const ahead = walk(img, t, x, y, isAcross, 1, limit);
  if (!back || !ahead) return null;
  const centre = back[0] + ahead[0] - 1;
  if (!isFinder5(back[2], back[1], centre, ahead[1], ahead[2])) return null;
  return { runs: [back[2], back[1], centre, ahead[1], ahead[2]], mid: (isAcross ? x : y) - back[0] + 1 + (centre - 1) / 2 };
}

/** A row's 1:1:3:1:1 (its centre at `cx` on row `y`, `total` px wide) checked down and across, merged into `found`. */
function addCandidate(img: Gray8, t: Thresholds, cx: number, y: number, total: number, found: FinderCandidate[]): void {
  const limit = Math.ceil(total / 2);
  const down = crossRuns(img, t, cx, y, false, limit);
  if (!down) return;
  const cy = Math.round(down.mid);
  const across = crossRuns(img, t, cx, cy, true, limit);
  const totalDown = down.runs.reduce((a, b) => a + b, 0);
  if (!across || totalDown <= 0.6 * total || totalDown >= 1.6 * total) return;
  const totalAcross = across.runs.reduce((a, b) => a + b, 0);
  const c = { x: across.mid, y: down.mid, module: (totalAcross + totalDown) / 14, hits: 1 };
  const same = found.find((f) => Math.abs(f.x - c.x) < 2 * f.module && Math.abs(f.y - c.y) < 2 * f.module && Math.abs(f.module - c.module) < 0.5 * f.module);
  if (same) {
    same.x = (same.x * same.hits + c.x) / (same.hits + 1);
    same.y = (same.y * same.hits + c.y) / (same.hits + 1);
    same.module = (same.module * same.hits + c.module) / (same.hits + 1);
    same.hits++;
  } else {
    found.push(c);
  }
}

/**
 * Every other row, one pass along it keeping the last four runs in locals: at the end of each dark
 * run the five runs ending there are tested, and those in 1:1:3:1:1 go into `hits` as their centre
 * column, row and width (no array per row or per test: this loop meets every pixel of every other
 * row, the search's whole cost). Flat blocks count as light.
 */
function scanRows(data: Gray8['data'], w: number, h: number, t: Thresholds, hits: number[]): void {
  const { level, cols } = t;
  for (let y = 0; y < h; y += ROW_STEP) {
    const levelRow = ((y / BLOCK) | 0) * cols;
    const r = y * w;
    let isDarkRun = false;
    let run = 0;
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    for (let bx = 0; bx <= cols; bx++) {
      // One step past the last block: the row's end closes the run.
      const l = bx < cols ? (level[levelRow + bx] as number) : -1;
      const x0 = bx * BLOCK;
      const x1 = Math.min(w, x0 + BLOCK);
      if (l >= 0) {
        let x = x0;
        while (x < x1) {
          // The run goes on to the first pixel of the other kind: one comparison per pixel.
          const start = x;
          if (isDarkRun) while (x < x1 && (data[r + x] as number) < l) x++;
          else while (x < x1 && (data[r + x] as number) >= l) x++;
          run += x - start;
          if (x === x1) break;
          if (isDarkRun && isFinder5(r0, r1, r2, r3, run)) hits.push(x - run - r3 - (r2 >> 1), y, r0 + r1 + r2 + r3 + run);
          r0 = r1;
          r1 = r2;
          r2 = r3;
          r3 = run;
          isDarkRun = !isDarkRun;
          run = 0;
        }
        continue;
      }
      // A flat block (light) or the row's end.
      if (isDarkRun) {
        if (isFinder5(r0, r1, r2, r3, run)) hits.push(Math.min(x0, w) - run - r3 - (r2 >> 1), y, r0 + r1 + r2 + r3 + run);
        r0 = r1;
        r1 = r2;
        r2 = r3;
        r3 = run;
        isDarkRun = false;
        run = 0;
      }
      run += Math.max(0, x1 - x0);
    }
  }
}

/** A place to paint the missing finder pattern and the code's grid axes there (one module long each). */
export interface Repair {
  /** Centre of the painted finder pattern. */
  x: number;
  y: number;
  /** One module along each of the code's grid axes. */
  ux: number;
  uy: number;
  vx: number;
  vy: number;
  /** The code's four corner centres (finder centres and the fourth), for the crop. */
  corners: [number, number][];
  module: number;
  /** Ink and paper levels measured on the two finder patterns found. */
  dark: number;
  light: number;
  /** Scan rows that crossed the pair's two finders. */
  hits: number;
}

/** Dimension (modules) of a code whose finder centres are `modules` apart: 17 + 4v, from version 1 up. */
function snapDimension(modules: number): number | null {
  const v = Math.round((modules + 7 - 17) / 4);
  if (v < 1) return null;
  const n = 17 + 4 * v;
  if (n > MAX_DIMENSION) return null;
  // Two finders with a distance no version explains are not of one code.
  return Math.abs(n - 7 - modules) <= Math.max(2, 0.12 * modules) ? n : null;
}

/**
 * Where the third finder pattern may be, for every pair of candidates of matching size that could
 * be two finders of one code: nothing when the candidates are not such a pair. The pair's distance
 * and module size tell adjacent corners (distance (N − 7) modules) from diagonal ones (√2 times
 * that); both are tried when the module size cannot tell them apart.
 */
export function repairsFor(img: Gray8, candidates: readonly FinderCandidate[]): Repair[] {
  if (candidates.length < 2 || candidates.length > MAX_CANDIDATES) return [];
  const out: Repair[] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i] as FinderCandidate;
      const b = candidates[j] as FinderCandidate;
      const ratio = a.module / b.module;
      if (ratio < 0.75 || ratio > 1.33) continue;
      const m = (a.module + b.module) / 2;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const d = Math.hypot(dx, dy);
      const levels = inkAndPaper(img, [a, b], m);
      if (!levels) continue;
      // Adjacent corners: the third finder is at ±90° from A or from B, at the same distance.
      const adjacent = snapDimension(d / m);
      if (adjacent !== null) {
        const mod = d / (adjacent - 7);
        const ux = dx / d;
        const uy = dy / d;
        for (const [corner, other] of [
          [a, b],
          [b, a],
        ] as const) {
          for (const s of [1, -1]) {
            const px = corner.x - s * dy;
            const py = corner.y + s * dx;
            const fourth: [number, number] = [other.x - s * dy, other.y + s * dx];
            out.push({ x: px, y: py, ux: ux * mod, uy: uy * mod, vx: -uy * mod, vy: ux * mod, corners: [[a.x, a.y], [b.x, b.y], [px, py], fourth], module: mod, hits: a.hits + b.hits, ...levels });
          }
        }
      }
      // Diagonal corners: the two others are at ±90° around the midpoint; one of them is the finder.
      const diagonal = snapDimension(d / m / Math.SQRT2);
      if (diagonal !== null) {
        const mod = d / Math.SQRT2 / (diagonal - 7);
        const mx = (a.x + b.x) / 2;
        const my = (a.y + b.y) / 2;
        // Grid axes at 45° to the diagonal.
        const ux = (dx - dy) / (2 * (diagonal - 7));
        const uy = (dy + dx) / (2 * (diagonal - 7));
        for (const s of [1, -1]) {
          const px = mx - (s * dy) / 2;
          const py = my + (s * dx) / 2;
          const fourth: [number, number] = [mx + (s * dy) / 2, my - (s * dx) / 2];
          out.push({ x: px, y: py, ux, uy, vx: -uy, vy: ux, corners: [[a.x, a.y], [b.x, b.y], [px, py], fourth], module: mod, hits: a.hits + b.hits, ...levels });
        }
      }
    }
  }
  // A repair whose code would reach out of the frame cannot be read whole anyway.
  const margin = (r: Repair) => 4 * r.module;
  const near = (x: number, y: number, r: Repair) => candidates.some((c) => Math.hypot(c.x - x, c.y - y) < 3 * r.module);
  return (
    out
      .filter((r) => r.corners.every(([x, y]) => x >= margin(r) && y >= margin(r) && x < img.width - margin(r) && y < img.height - margin(r)))
      // A finder-like pattern at the fourth corner, which has none in a QR code: the wrong square.
      .filter((r) => !near(...(r.corners[3] as [number, number]), r))
      // First where a damaged finder was seen at the place to paint (the three make a code), then by
      // how surely the pair was seen; a stable sort keeps adjacent before diagonal.
      .map((r) => ({ r, rank: (near(r.x, r.y, r) ? 1000 : 0) + r.hits }))
      .sort((p, q) => q.rank - p.rank)
      .map((p) => p.r)
  );
}

/** Ink (the finders' 3×3 cores) and paper (their light rings) levels; null when they are not dark on light. */
function inkAndPaper(img: Gray8, finders: readonly FinderCandidate[], m: number): { dark: number; light: number } | null {
  let dark = 0;
  let light = 0;
  let nd = 0;
  let nl = 0;
  const at = (x: number, y: number) => img.data[Math.round(y) * img.width + Math.round(x)] as number;
  for (const f of finders) {
    dark += at(f.x, f.y);
    nd++;
    // The light ring, 2 modules from the centre across and down: the finder's own grid is not known
    // yet, but at any rotation up to ±30° these points stay on the ring or its edge; the brightest counts.
    const ring = [at(f.x + 2 * m, f.y), at(f.x - 2 * m, f.y), at(f.x, f.y + 2 * m), at(f.x, f.y - 2 * m)];
    light += Math.max(...ring);
    nl++;
  }
  const d = dark / nd;
  const l = light / nl;
  return l - d < 24 ? null : { dark: d, light: l };
}

/**
 * The code's neighbourhood (its four corners plus a quiet zone) cropped from the frame, with a clean
 * finder pattern and its light separator painted at the repair's place, in the code's grid.
 */
export function paintRepair(img: Gray8, r: Repair): Gray8 {
  const pad = 8 * r.module;
  const xs = r.corners.map((c) => c[0]);
  const ys = r.corners.map((c) => c[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - pad));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - pad));
  const copy = crop(img, { x0, y0, x1: Math.min(img.width, Math.ceil(Math.max(...xs) + pad)), y1: Math.min(img.height, Math.ceil(Math.max(...ys) + pad)) });
  const { width: w, height: h } = copy;
  const out = copy.data;
  // Module coordinates (s, t) of a pixel relative to the finder's centre: invert [u v].
  const det = r.ux * r.vy - r.uy * r.vx;
  const reach = 4.5 * Math.SQRT2 * r.module + 1;
  const cx = r.x - x0;
  const cy = r.y - y0;
  const dark = Math.round(r.dark);
  const light = Math.round(r.light);
  for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(h, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(w, Math.ceil(cx + reach)); x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const s = (px * r.vy - py * r.vx) / det;
      const t = (r.ux * py - r.uy * px) / det;
      const ring = Math.max(Math.abs(s), Math.abs(t));
      if (ring > 4.5) continue;
      out[y * w + x] = ring <= 1.5 || (ring > 2.5 && ring <= 3.5) ? dark : light;
    }
  }
  return copy;
}
