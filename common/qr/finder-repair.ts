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
  const min = new Uint8Array(cols * rows).fill(255);
  const max = new Uint8Array(cols * rows);
  for (let y = 0; y < h; y += 2) {
    const rowBase = Math.floor(y / BLOCK) * cols;
    const r = y * w;
    for (let x = 0; x < w; x += 2) {
      const v = data[r + x] as number;
      const b = rowBase + ((x / BLOCK) | 0);
      sum[b] = (sum[b] as number) + v;
      count[b] = (count[b] as number) + 1;
      if (v < (min[b] as number)) min[b] = v;
      if (v > (max[b] as number)) max[b] = v;
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
 * every run within half a module): at 3 px per module a blurred, noisy ring is 2-5 px wide.
 */
function isFinderRuns(r: readonly number[]): boolean {
  return isFinder5(r[0] as number, r[1] as number, r[2] as number, r[3] as number, r[4] as number);
}

/**
 * The same on five numbers: the row scan calls it for every five runs of every other row (hundreds
 * of thousands on a frame crossed by cracks), where an array per call made the search cost 13-60 ms
 * CPU by garbage collection alone.
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
 */
export function findFinderCandidates(img: Gray8): FinderCandidate[] {
  const { width: w, height: h, data } = img;
  const t = thresholds(img);
  const levelAt = (x: number, y: number): number => t.level[((y / BLOCK) | 0) * t.cols + ((x / BLOCK) | 0)] as number;
  const isDark = (x: number, y: number): boolean => {
    const l = levelAt(x, y);
    return l >= 0 && (data[y * w + x] as number) < l;
  };
  /** Runs through (x, y) along one axis: [outer, light, centre, light, outer] and the centre's middle; null when not a finder. */
  const crossRuns = (x: number, y: number, isAcross: boolean, limit: number): { runs: number[]; mid: number } | null => {
    const len = isAcross ? w : h;
    const at = isAcross ? x : y;
    const dark = (p: number) => (isAcross ? isDark(p, y) : isDark(x, p));
    if (!dark(at)) return null;
    // From the centre outwards: the centre's own dark run, then light, then dark, each way.
    const walk = (step: number): number[] | null => {
      const counts = [0, 0, 0];
      let p = at;
      for (let state = 0; state < 3; state++) {
        const want = state !== 1;
        while (p >= 0 && p < len && dark(p) === want && (counts[state] as number) <= limit) {
          counts[state] = (counts[state] as number) + 1;
          p += step;
        }
        if ((counts[state] as number) > limit || p < 0 || p >= len) return null;
      }
      return counts;
    };
    const back = walk(-1);
    const ahead = walk(1);
    if (!back || !ahead) return null;
    const runs = [back[2] as number, back[1] as number, (back[0] as number) + (ahead[0] as number) - 1, ahead[1] as number, ahead[2] as number];
    if (!isFinderRuns(runs)) return null;
    return { runs, mid: at - (back[0] as number) + 1 + ((runs[2] as number) - 1) / 2 };
  };
  const found: FinderCandidate[] = [];
  const bits = new Uint8Array(w);
  const lens = new Int32Array(w);
  const ends = new Int32Array(w);
  for (let y = 0; y < h; y += ROW_STEP) {
    // The row in dark (1) and light (0), flat blocks light: most of a scene is skipped here.
    const levelRow = ((y / BLOCK) | 0) * t.cols;
    const r = y * w;
    let isAnyDark = false;
    for (let bx = 0; bx < t.cols; bx++) {
      const l = t.level[levelRow + bx] as number;
      const x0 = bx * BLOCK;
      const x1 = Math.min(w, x0 + BLOCK);
      if (l < 0) {
        bits.fill(0, x0, x1);
        continue;
      }
      isAnyDark = true;
      for (let x = x0; x < x1; x++) bits[x] = (data[r + x] as number) < l ? 1 : 0;
    }
    if (!isAnyDark) continue;
    // Run lengths, then every five runs that start with a dark one.
    let n = 0;
    let from = 0;
    for (let x = 1; x <= w; x++) {
      if (x < w && bits[x] === bits[x - 1]) continue;
      lens[n] = x - from;
      ends[n] = x;
      n++;
      from = x;
    }
    for (let k = bits[0] === 1 ? 0 : 1; k + 4 < n; k += 2) {
      if (isFinder5(lens[k] as number, lens[k + 1] as number, lens[k + 2] as number, lens[k + 3] as number, lens[k + 4] as number)) {
        const runs: [number, number, number, number, number] = [lens[k] as number, lens[k + 1] as number, lens[k + 2] as number, lens[k + 3] as number, lens[k + 4] as number];
        const total = runs.reduce((a, b) => a + b, 0);
        const cx = Math.round((ends[k + 4] as number) - runs[4] - runs[3] - runs[2] / 2);
        const down = crossRuns(cx, y, false, Math.ceil(total / 2));
        if (down) {
          const cy = Math.round(down.mid);
          const across = crossRuns(cx, cy, true, Math.ceil(total / 2));
          const totalDown = down.runs.reduce((a, b) => a + b, 0);
          if (across && totalDown > 0.6 * total && totalDown < 1.6 * total) {
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
        }
      }
    }
  }
  return found.filter((f) => f.hits >= 2);
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
