import { getDefaultScanner, scanGrayBuffer, ZBarConfigType, ZBarSymbolType, type ZBarScanner } from '@undecaf/zbar-wasm';
import { BINARIZERS, CHARACTER_SETS, EAN_ADD_ON_SYMBOLS, encodeFormats, prepareZXingModule, TEXT_MODES, type ZXingReaderModule, type ZXingReaderOptions } from 'zxing-wasm/reader';
import { findFinderCandidates, paintRepair, repairsFor } from './finder-repair.ts';
import { crop, type Box } from './crop.ts';
import type { Gray8 } from './qr-decoder.ts';

/**
 * The camera's decoder: a stream of 8-bit luminance frames in, a QR text out when one is read for
 * sure. Environment-neutral (no DOM, no Node): the renderer's camera Web Worker, `kiosk
 * decode-frames` and the camera benchmark run this same code.
 *
 * Measured (docs/benchmarks.md, `camera`): ZXing-C++ (zxing-wasm) reads more of the field frames
 * and of the public photographs than @zxing/library or ZBar, but all its passes on every frame cost
 * 20-60 ms at 1280×720. So each frame gets a time budget, and the passes are spread over
 * consecutive frames: a person holds the phone up for a second, the next frame is nearly the same
 * scene, and a pass that did not run on one frame runs on the next. Passes that earn their place:
 * ZXing-C++ with its local-average binarizer on every frame, then with tryHarder on the halved frame
 * in both polarities (dark-mode screens, low light); then in turn its global-histogram binarizer (glare, screens), tryHarder with denoising
 * on the region where a code was last detected but not decoded, doubled when small (few pixels per
 * module, strong perspective), a finder-pattern repair (two finder patterns of a code seen, the third
 * hidden by glare or a finger: one painted where the two say it must be, common/qr/finder-repair.ts),
 * ZBar on the halved frame (blur), ZBar at full resolution on that region and one tile at a time
 * (codes crossed by cracks), tryHarder on the whole frame in each polarity, and ZXing-C++ on the
 * frame sharpened (a small code out of focus).
 *
 * In a stream, the expensive passes (the repair, ZBar, tryHarder: each about a whole budget) take
 * turns: the third frame starts with the one whose turn it is, whatever its usual cost, so each runs
 * within 27 frames of a hard scene rather than never (their usual cost rarely fits beside anything).
 * They are cut into pieces of about one budget where the library allows: ZBar on the halved frame
 * in three overlapping strips, tryHarder one polarity at a time, the repair's tries continued on its
 * next turn from where the deadline stopped them. Once a scene is stuck (something like a code in
 * view, three frames without a text), the sharpened frame takes the other lead frame of every three.
 *
 * A text is accepted only from a symbol whose error correction succeeded (both libraries check the
 * Reed-Solomon blocks) and that is valid UTF-8; two different texts in one frame are both refused.
 */
export interface FrameRead {
  text: string | null;
  /** The pass that read it ("zxing", "zxing-half inverted", "zbar-half-2", ...), for the technician screen. */
  decoder: string | null;
  ms: number;
  /** Two or more different texts were read in this frame: none is taken. */
  conflict?: string[];
  /**
   * A text was read but another code was seen in view (on this frame or a recent one), perhaps
   * unreadable: a pass that looks at part of the frame may have read the one not being shown. None is taken.
   */
  withheld?: string;
  /** The frame could not be used (empty, truncated): the reason. */
  rejected?: string;
  /** Passes run on this frame, in order. */
  passes: string[];
}

export interface FrameDecoder {
  /** The next frame of the stream (or a lone frame when the decoder was made with `stream: false`). */
  decode(frame: Gray8): Promise<FrameRead>;
  /** A new scene: forget where the last code was and start the passes from the first again. */
  reset(): void;
}

export interface FrameDecoderOptions {
  /**
   * ZXing-C++'s WebAssembly, from the app's own files: the bytes (Node) or a function giving the URL
   * of `zxing_reader.wasm` (a browser). Never the library's default, which is a CDN.
   */
  zxingWasm: ArrayBuffer | Uint8Array | ((file: string) => string);
  /** Wall time per frame; a pass is not started when its usual cost no longer fits. */
  budgetMs?: number;
  /** Consecutive calls are one stream (the default); false: each frame alone, passes from the first. */
  stream?: boolean;
  now?: () => number;
}

/** The finder search's assumed cost before it has run twice: 1280×720 in 3.2 ms here (field frames 20-25). */
const SEARCH_MS_PER_MPX = 3.5;

/** A pass's assumed cost before it has run once: about one ZXing-C++ pass here (ZBar, tryHarder: five times that). */
const PRIOR_MS_PER_MPX = 7;

/** Per frame: within the 15 ms target at p95 with one pass overrunning its usual cost a little. */
export const DEFAULT_BUDGET_MS = 10;

/**
 * ZBar on the halved frame in three strips of 5/8 of its width, overlapping by 7/16: a code up to
 * 0.44 of the frame's width (560 px at 1280) lies whole in one. Each costs about 7 ms CPU at
 * 1280×720 where the whole halved frame costs 11-14 ms (field frames 20-31), over the budget.
 */
const STRIPS = [0, 1, 2];
function stripBox(h: Gray8, i: number): Box {
  const w = Math.floor((h.width * 5) / 8);
  const x0 = Math.floor((i * (h.width - w)) / 2);
  return { x0, y0: 0, x1: x0 + w, y1: h.height };
}

/** ZBar's tiles: 3×2 windows of half the frame's width and two thirds of its height, overlapping. */
const TILES = [0, 1, 2, 3, 4, 5].map((i) => ({ col: i % 3, row: Math.floor(i / 3) }));

function tileBox(f: Gray8, t: { col: number; row: number }): { box: Box; area: number } {
  const w = Math.floor(f.width / 2);
  const h = Math.floor((f.height * 2) / 3);
  const x0 = Math.floor((t.col * (f.width - w)) / 2);
  const y0 = t.row * (f.height - h);
  return { box: { x0, y0, x1: x0 + w, y1: y0 + h }, area: w * h };
}

/**
 * Painted finder patterns tried per frame, the likeliest first: on field frames 20-43 a repair that
 * reads does so at the first to third try; QR-like noise offers a hundred pairs that all fail.
 */
const MAX_REPAIRS = 6;

/** A region this small (px) is doubled before the region pass. */
const SMALL_REGION = 360;
/** Frames to keep looking at a region after a code was last seen there. */
const REGION_FRAMES = 15;

/**
 * 640×480 of blocky noise with two finder patterns of a 25-module code at 3.4 px per module: every
 * pass's code runs on it, the repair's too (the search finds the pair, the tries
 * paint the third). Not whole pixels per module: on a frame of whole even runs
 * the engine compiled the finder search for integers, and the first real frame threw that away
 * ("lost precision") and cost 46-69 ms CPU.
 */
export function warmFrame(): Gray8 {
  const width = 640;
  const height = 480;
  let seed = 0x15c0de;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  // Blocks of 8 px at levels 150-214: texture without finder-like runs.
  const levels = Float64Array.from({ length: (width >> 3) * (height >> 3) }, () => 150 + 64 * next());
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = levels[(y >> 3) * (width >> 3) + (x >> 3)] as number;
  const m = 3.4;
  for (const [cx, cy] of [
    [200.3, 150.6],
    [200.3 + 18 * m, 150.6],
  ] as const) {
    for (let y = Math.floor(cy - 4.5 * m); y <= cy + 4.5 * m; y++) {
      for (let x = Math.floor(cx - 4.5 * m); x <= cx + 4.5 * m; x++) {
        const ring = Math.max(Math.abs(Math.round((x - cx) / m)), Math.abs(Math.round((y - cy) / m)));
        if (ring <= 4) data[y * width + x] = ring <= 1 || ring === 3 ? 20 : 235;
      }
    }
  }
  return { data, width, height };
}

/** Frames above this are reduced first: bounded memory and time for a 8000×8000 frame. */
export const MAX_SIDE = 1920;

interface Found {
  texts: string[];
  /** Read on the inverted image (a dark-mode screen). */
  isInverted?: boolean;
  /** Where a code was seen (read or not), in frame pixels. */
  region?: Box;
  /** Codes ZXing-C++ saw, read or not. */
  seen?: number;
}
interface Pass {
  name: string;
  /** Pixels the pass will work on (0: nothing to do on this frame); the whole frame by default. */
  pixels?(frame: Gray8): number;
  /** `deadline`: when the frame's budget ends (`now()` time); a pass made of several tries stops there. */
  run(frame: Gray8, deadline: number): Promise<Found> | Found;
  /**
   * About one budget or more: in a stream it takes turns at the head of the third frame, where it
   * runs whatever its usual cost (see the header). Without: runs whenever its usual cost fits.
   */
  isTurn?: boolean;
  /** One of ZBar's full-resolution tiles. */
  isTile?: boolean;
  /**
   * What must fit in the budget for the pass to start, ms, when that is not its usual cost: a pass of
   * tries that stops itself at the deadline (the repair) needs room for its first step only.
   */
  fitMs?(frame: Gray8): number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function zxingOptions(o: Partial<Pick<ZXingReaderOptions, 'tryHarder' | 'tryInvert' | 'tryDenoise' | 'tryDownscale' | 'downscaleFactor' | 'returnErrors'>> & { binarizer?: (typeof BINARIZERS)[number] } = {}): ZXingReaderOptions {
  return {
    formats: encodeFormats(['QRCode']),
    tryHarder: o.tryHarder ?? false,
    // QR finder patterns are found at any angle; rotating the image only helps 1-D codes.
    tryRotate: false,
    tryInvert: o.tryInvert ?? false,
    tryDownscale: o.tryDownscale ?? true,
    tryDenoise: o.tryDenoise ?? false,
    binarizer: BINARIZERS.indexOf(o.binarizer ?? 'LocalAverage'),
    isPure: false,
    downscaleFactor: o.downscaleFactor ?? 3,
    downscaleThreshold: 500,
    minLineCount: 2,
    // Two: a second code in view must be seen to be refused.
    maxNumberOfSymbols: 2,
    validateOptionalChecksum: false,
    returnErrors: o.returnErrors ?? false,
    eanAddOnSymbol: EAN_ADD_ON_SYMBOLS.indexOf('Ignore'),
    textMode: TEXT_MODES.indexOf('Plain'),
    // Vietnamese codes are UTF-8 without an ECI; guessing the charset mangles names (docs/hardware.md §1.2, last point).
    characterSet: CHARACTER_SETS.indexOf('UTF8'),
    tryCode39ExtendedMode: false,
  };
}

/** 2×2 average: a quarter of the pixels and half the sensor noise. */
export function halve(img: Gray8): Gray8 {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const out = new Uint8Array(w * h);
  const s = img.data;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * img.width;
    const r1 = r0 + img.width;
    for (let x = 0; x < w; x++) {
      const i = 2 * x;
      out[y * w + x] = ((s[r0 + i] as number) + (s[r0 + i + 1] as number) + (s[r1 + i] as number) + (s[r1 + i + 1] as number) + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

/** Sums of three neighbours along row `y` of a `w`-wide frame (edge pixels repeated) into `into`. */
function sumRow3(s: Gray8['data'], w: number, y: number, into: Uint16Array): void {
  const r = y * w;
  let left = s[r] as number;
  let mid = left;
  for (let x = 0; x < w - 1; x++) {
    const right = s[r + x + 1] as number;
    into[x] = left + mid + right;
    left = mid;
    mid = right;
  }
  into[w - 1] = left + 2 * mid;
}

/**
 * Row sums for 3×3 box sums, one row after another in a ring of three buffers (each row summed
 * once): for row y, ring[y % 3], ring[(y + 1) % 3] and ring[(y + 2) % 3] hold rows y-1, y and y+1
 * (edge rows repeated); `nextBox3Row` then makes the ring ready for row y + 1.
 */
function box3Ring(img: Gray8): readonly [Uint16Array, Uint16Array, Uint16Array] {
  const { width: w, height: h, data: s } = img;
  const ring = [new Uint16Array(w), new Uint16Array(w), new Uint16Array(w)] as const;
  sumRow3(s, w, 0, ring[0]);
  ring[1].set(ring[0]);
  sumRow3(s, w, Math.min(1, h - 1), ring[2]);
  return ring;
}

/** After row y: row y-1's buffer takes row y+2 (y's sums become the row above, y+1's the row at). */
function nextBox3Row(img: Gray8, ring: readonly [Uint16Array, Uint16Array, Uint16Array], y: number): void {
  sumRow3(img.data, img.width, Math.min(y + 2, img.height - 1), ring[y % 3] as Uint16Array);
}

/**
 * 3×3 box average at full resolution: the sensor noise that `halve` averages away, without losing
 * the modules of a code in a small frame.
 */
export function smooth3(img: Gray8): Gray8 {
  const { width: w, height: h } = img;
  const out = new Uint8Array(w * h);
  const ring = box3Ring(img);
  for (let y = 0; y < h; y++) {
    const above = ring[y % 3] as Uint16Array;
    const at = ring[(y + 1) % 3] as Uint16Array;
    const below = ring[(y + 2) % 3] as Uint16Array;
    const r = y * w;
    for (let x = 0; x < w; x++) out[r + x] = ((above[x] as number) + (at[x] as number) + (below[x] as number) + 4) / 9;
    nextBox3Row(img, ring, y);
  }
  return { data: out, width: w, height: h };
}

/**
 * Unsharp mask over the 3×3 box, amount 3: restores the module edges of a small code the lens left
 * soft (a DCC at 2-3 px per module out of focus). ZXing-C++ has no sharpening option.
 */
export function sharpen3(img: Gray8): Gray8 {
  const { width: w, height: h, data: s } = img;
  const out = new Uint8Array(w * h);
  const ring = box3Ring(img);
  for (let y = 0; y < h; y++) {
    const above = ring[y % 3] as Uint16Array;
    const at = ring[(y + 1) % 3] as Uint16Array;
    const below = ring[(y + 2) % 3] as Uint16Array;
    const r = y * w;
    for (let x = 0; x < w; x++) {
      // c + 3 (c - mean) = (12c - sum) / 3, the division as a multiply (the loop's main cost).
      const v = ((12 * (s[r + x] as number) - (above[x] as number) - (at[x] as number) - (below[x] as number)) * 21846) >> 16;
      out[r + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    nextBox3Row(img, ring, y);
  }
  return { data: out, width: w, height: h };
}

/** ZBar reads the halved frame only when a code of a third of its height still has room to be read there. */
const ZBAR_HALVE_FROM = 720;
const zbarHalves = (f: Gray8): boolean => Math.min(f.width, f.height) >= ZBAR_HALVE_FROM;

/** Point sampling down to `MAX_SIDE`: touches only the output's pixels, so a huge frame costs little. */
function reduce(img: Gray8): Gray8 {
  const k = Math.ceil(Math.max(img.width, img.height) / MAX_SIDE);
  const w = Math.floor(img.width / k);
  const h = Math.floor(img.height / k);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = img.data[y * k * img.width + x * k] as number;
  return { data: out, width: w, height: h };
}

/** Bilinear ×2. */
function double(img: Gray8): Gray8 {
  const { width: w, height: h, data: s } = img;
  const out = new Uint8Array(4 * w * h);
  const W = 2 * w;
  for (let y = 0; y < 2 * h; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y - 0.5) / 2));
    const y0 = Math.min(h - 2, Math.floor(sy));
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x - 0.5) / 2));
      const x0 = Math.min(w - 2, Math.floor(sx));
      const fx = sx - x0;
      const i = y0 * w + x0;
      const top = (s[i] as number) * (1 - fx) + (s[i + 1] as number) * fx;
      const bottom = (s[i + w] as number) * (1 - fx) + (s[i + w + 1] as number) * fx;
      out[y * W + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return { data: out, width: W, height: 2 * h };
}

/** The negative: tryHarder in the other polarity as a pass of its own (ZXing-C++'s tryInvert runs both). */
function invert(img: Gray8): Gray8 {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 255 - (img.data[i] as number);
  return { data: out, width: img.width, height: img.height };
}

/**
 * What is used of ZXing-C++'s Emscripten module: its heap and the luminance entry point (a gray
 * frame goes in as it is, without the RGBA round trip of the library's readBarcodes). The library's
 * typings take the heap from a global Emscripten declaration this project does not load.
 */
export interface Zxing {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  readBarcodesFromPixmap: ZXingReaderModule['readBarcodesFromPixmap'];
}

export async function loadZxing(wasm: FrameDecoderOptions['zxingWasm']): Promise<Zxing> {
  const overrides = typeof wasm === 'function' ? { locateFile: (file: string) => wasm(file) } : { wasmBinary: wasm instanceof Uint8Array ? wasm.slice().buffer : wasm };
  return (await prepareZXingModule({ overrides, fireImmediately: true })) as unknown as Zxing;
}

/** ZBar configured for QR codes only. */
export async function loadZbar(): Promise<ZBarScanner> {
  const scanner = await getDefaultScanner();
  scanner.setConfig(ZBarSymbolType.ZBAR_NONE, ZBarConfigType.ZBAR_CFG_ENABLE, 0);
  scanner.setConfig(ZBarSymbolType.ZBAR_QRCODE, ZBarConfigType.ZBAR_CFG_ENABLE, 1);
  return scanner;
}

/** ZXing-C++ over one gray frame: the valid texts, and where any code (even unreadable) was seen. */
export function zxingRead(zxing: Zxing, img: Gray8, options: ZXingReaderOptions): Found {
  const n = img.width * img.height;
  const ptr = zxing._malloc(n);
  if (!ptr) throw new Error(`zxing: cannot allocate ${n} bytes`);
  const results = (() => {
    try {
      const heap = zxing.HEAPU8.subarray(ptr, ptr + n);
      heap.set(img.data.subarray(0, n));
      return zxing.readBarcodesFromPixmap(ptr, img.width, img.height, options);
    } finally {
      zxing._free(ptr);
    }
  })();
  const found: Found = { texts: [] };
  const boxes: Box[] = [];
  try {
    for (let i = 0; i < results.size(); i++) {
      const r = results.get(i);
      if (!r) continue;
      const p = r.position;
      const xs = [p.topLeft.x, p.topRight.x, p.bottomLeft.x, p.bottomRight.x];
      const ys = [p.topLeft.y, p.topRight.y, p.bottomLeft.y, p.bottomRight.y];
      const box = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
      found.region ??= box;
      // One code can come back twice (in both polarities, or at two scales, one unreadable): a symbol
      // whose centre lies inside one already seen is the same code.
      const cx = (box.x0 + box.x1) / 2;
      const cy = (box.y0 + box.y1) / 2;
      if (!boxes.some((b) => cx >= b.x0 && cx <= b.x1 && cy >= b.y0 && cy <= b.y1)) boxes.push(box);
      found.seen = boxes.length;
      // Byte-mode data that is not UTF-8 (a Shift_JIS or Latin-1 code without an ECI) comes out with
      // replacement characters: a wrong text, not a read. Kanji mode and ECIs are converted properly.
      if (r.isValid && r.error === '' && r.text !== '' && !r.text.includes('\ufffd')) {
        found.texts.push(r.text);
        if (r.isInverted) found.isInverted = true;
      }
    }
  } finally {
    results.delete();
  }
  return found;
}

export async function zbarRead(scanner: ZBarScanner, img: Gray8): Promise<string[]> {
  // zbar-wasm copies the buffer into its heap; it wants an ArrayBuffer of exactly the frame.
  const buffer = img.data.byteOffset === 0 && img.data.byteLength === img.data.buffer.byteLength ? img.data.buffer : img.data.slice().buffer;
  const texts: string[] = [];
  for (const s of await scanGrayBuffer(buffer as ArrayBuffer, img.width, img.height, scanner)) {
    try {
      texts.push(utf8.decode(s.data));
    } catch {
      // Not UTF-8: no format the kiosk accepts.
    }
  }
  return texts;
}

export async function createFrameDecoder(o: FrameDecoderOptions): Promise<FrameDecoder> {
  const [zxing, zbar] = await Promise.all([loadZxing(o.zxingWasm), loadZbar()]);
  const budget = o.budgetMs ?? DEFAULT_BUDGET_MS;
  const now = o.now ?? (() => performance.now());
  const isStream = o.stream ?? true;
  const fast = zxingOptions({ tryDownscale: false, returnErrors: true });
  // On the halved frame, after the lead: dark mode (inverted), low light and noise (the 2×2 average)
  // for 2 ms. Measured on field frames 20-43 (not the bench's 0-11): with the lead, 177 of 216 codes
  // at CPU p95 9.3 ms, where ZXing-C++ with tryInvert and a downscale by 2 in one call reads as many
  // at p95 10.8 ms, and the old inverted full frame cost p95 24.5 ms alone.
  const halfOptions = zxingOptions({ tryHarder: true, tryInvert: true, tryDownscale: false });
  const global = zxingOptions({ binarizer: 'GlobalHistogram', tryInvert: true, returnErrors: true });
  // The region pass denoises (a small crop, doubled); the whole frame does not: with denoising one
  // polarity cost 9-12 ms CPU at 1280×720, without 4-7 ms, and on field frames 20-31 of cracked,
  // finger, perspective and glare both read the same frames.
  const harder = zxingOptions({ tryHarder: true, tryDenoise: true, tryDownscale: false });
  const harderFrame = zxingOptions({ tryHarder: true, tryDownscale: false });
  // A repaired crop: the code fills it, at the frame's own scale.
  const repairOptions = zxingOptions({ tryDownscale: false });
  /** Where a code was last seen but perhaps not read, and for how many more frames to look there. */
  let region: { box: Box; ttl: number } | undefined;
  /** Frames left during which a second code seen in view forbids taking a lone text. */
  let twoCodesTtl = 0;
  /** The last region with a margin of `margin` times its size around it (the code may have moved a little since). */
  const aroundRegion = (f: Gray8, margin: number): Box | undefined => {
    if (!region) return undefined;
    const b = region.box;
    const mx = (b.x1 - b.x0) * margin;
    const my = (b.y1 - b.y0) * margin;
    const box = { x0: Math.max(0, Math.floor(b.x0 - mx)), y0: Math.max(0, Math.floor(b.y0 - my)), x1: Math.min(f.width, Math.ceil(b.x1 + mx)), y1: Math.min(f.height, Math.ceil(b.y1 + my)) };
    return box.x1 - box.x0 < 21 || box.y1 - box.y0 < 21 ? undefined : box;
  };
  /** For ZXing-C++'s region pass: half the region's size around it. */
  const regionBox = (f: Gray8): Box | undefined => aroundRegion(f, 1 / 2);
  const isSmall = (b: Box) => Math.max(b.x1 - b.x0, b.y1 - b.y0) <= SMALL_REGION;
  /** The halved frame, made once per frame for the passes that read it. */
  let halved: { of: Gray8; img: Gray8 } | undefined;
  const halfOf = (f: Gray8): Gray8 => {
    if (halved?.of !== f) halved = { of: f, img: halve(f) };
    return halved.img;
  };
  /** For ZBar at full resolution: a quarter of the region's size around it (a tile where the code is). */
  const zbarRegion = (f: Gray8): Box | undefined => aroundRegion(f, 1 / 4);
  /** Where the repair's tries start on its next turn: the tries a deadline cut off on the last one. */
  let repairFrom = 0;
  /** Frames left during which the repair's search recently found two or more finder patterns: something like a code is in view. */
  let codeLikeTtl = 0;
  /** Consecutive frames without a text (read, refused or withheld). */
  let sinceText = 0;
  /** The last repair try's cost, ms. */
  let lastTryMs = 0;
  /** The last few finder searches' costs, ms per megapixel, but the first camera frame's (the engine compiling it). */
  const searchPerMpx: number[] = [];
  let searches = 0;
  const passes: Pass[] = [
    { name: 'zxing', run: (f) => zxingRead(zxing, f, fast) },
    { name: 'zxing-half', pixels: (f) => (f.width * f.height) / 4, run: (f) => zxingRead(zxing, halfOf(f), halfOptions) },
    {
      name: 'zxing-region',
      pixels: (f) => {
        const part = regionBox(f);
        if (!part) return 0;
        const area = (part.x1 - part.x0) * (part.y1 - part.y0);
        return isSmall(part) ? 4 * area : area;
      },
      run: (f) => {
        const box = regionBox(f);
        if (!box) return { texts: [] };
        const part = crop(f, box);
        // A small code (few pixels per module) is found and sampled more surely at twice the size.
        return { texts: zxingRead(zxing, isSmall(box) ? double(part) : part, harder).texts };
      },
    },
    { name: 'zxing-global', run: (f) => zxingRead(zxing, f, global) },
    // Sharpened: a small code out of focus. Not a turn pass: in a stream it has frames of its own once
    // a scene is stuck (see `isSharpFrame`); alone, a frame gets it after the others that fit.
    { name: 'zxing-sharp', run: (f) => zxingRead(zxing, sharpen3(f), fast) },
    {
      name: 'zxing-repair',
      isTurn: true,
      // The least of the last few: the search costs about the same on every frame of a size, and a
      // slow one is the engine compiling it (30 ms where 3 is usual on the first camera frames) or a
      // busy machine; an estimate from it kept the repair off every lone frame after the first.
      fitMs: (f) => ((searchPerMpx.length === 0 ? SEARCH_MS_PER_MPX : Math.min(...searchPerMpx)) * f.width * f.height) / 1e6 + lastTryMs,
      run: (f, deadline) => {
        const lastSeen = region?.box;
        const s0 = now();
        const candidates = findFinderCandidates(f);
        if (candidates.length >= 2) codeLikeTtl = REGION_FRAMES;
        const repairs = repairsFor(f, candidates).slice(0, MAX_REPAIRS);
        if (searches++ > 0) searchPerMpx.push(((now() - s0) * 1e6) / (f.width * f.height));
        if (searchPerMpx.length > 5) searchPerMpx.shift();
        // The search (about 3 ms) leaves room for a few tries before the deadline. Each turn tries
        // the likeliest first (on a new frame of the scene it may read where it failed before), then
        // goes on from the try where the last turn's deadline stopped (the order is one of the pairs,
        // which a little shake does not change), so all six are tried over a few turns.
        const from = repairFrom > 0 && repairFrom < repairs.length ? repairFrom : 1;
        repairFrom = 0;
        const tries = [0, ...Array.from({ length: Math.max(0, repairs.length - from) }, (_, i) => from + i)];
        for (const [n, k] of tries.entries()) {
          if (k >= repairs.length) break;
          const r = repairs[k] as (typeof repairs)[number];
          // Each try is one ZXing-C++ call on a crop (1-3 ms): QR-like noise offers six that all fail.
          // A try starts only when the last one's cost still fits: the frame's cost stays near the budget.
          if (now() + (n > 0 ? lastTryMs : 0) > deadline) {
            repairFrom = k;
            break;
          }
          const t0 = now();
          const found = zxingRead(zxing, paintRepair(f, r), repairOptions);
          lastTryMs = now() - t0;
          if (found.texts.length === 0) continue;
          // ZXing-C++ never saw this code (a finder was missing): a code it saw recently elsewhere is a
          // second one in view, and a lone text then is withheld like any other.
          const isElsewhere = lastSeen !== undefined && !r.corners.some(([x, y]) => x >= lastSeen.x0 && x <= lastSeen.x1 && y >= lastSeen.y0 && y <= lastSeen.y1);
          return { texts: found.texts, seen: isElsewhere ? 2 : (found.seen ?? 1) };
        }
        return { texts: [] };
      },
    },
    // Halved: a quarter of the cost and half the sensor noise. A small frame (a photograph, a crop)
    // cannot spare the pixels: smoothed at full size instead (reads a crumpled print of ZXing's
    // photo set, qrcode-4/08, that the halved frame does not; found on that set, which the bench scores).
    // At 1280×720 in three strips (STRIPS); a small frame smoothed is read whole by the first.
    ...STRIPS.map(
      (i): Pass => ({
        name: `zbar-half-${i + 1}`,
        isTurn: true,
        pixels: (f) => (zbarHalves(f) ? (f.width * f.height * 5) / 32 : i === 0 ? f.width * f.height : 0),
        run: async (f) => ({ texts: await zbarRead(zbar, zbarHalves(f) ? crop(halfOf(f), stripBox(halfOf(f), i)) : smooth3(f)) }),
      }),
    ),
    // ZBar at full resolution where ZXing-C++ last saw a code it could not read (cracks, glare): the
    // tile that holds the code, at a fraction of a tile's cost.
    {
      name: 'zbar-region',
      isTurn: true,
      pixels: (f) => {
        const b = zbarRegion(f);
        return b ? (b.x1 - b.x0) * (b.y1 - b.y0) : 0;
      },
      run: async (f) => {
        const b = zbarRegion(f);
        // A lone text from part of the frame: seen once, the two-code rule still applies (a region
        // is where ZXing-C++ saw a code; a second one elsewhere was counted by the lead).
        return b ? { texts: await zbarRead(zbar, crop(f, b)) } : { texts: [] };
      },
    },
    // ZBar at full resolution reads codes crossed by cracks that nothing else reads, but costs several
    // budgets on a whole frame: one overlapping tile per turn instead.
    ...TILES.map(
      (t): Pass => ({
        name: 'zbar-tile',
        isTile: true,
        pixels: (f) => tileBox(f, t).area,
        run: async (f) => ({ texts: await zbarRead(zbar, crop(f, tileBox(f, t).box)) }),
      }),
    ),
    // One polarity per turn: both in one call (with denoising, as before) cost 13-17 ms at 1280×720.
    { name: 'zxing-harder', isTurn: true, run: (f) => zxingRead(zxing, f, harderFrame) },
    { name: 'zxing-harder-inverted', isTurn: true, run: (f) => zxingRead(zxing, invert(f), harderFrame) },
  ];
  /** Usual cost of each pass on this machine, ms per megapixel (moving average), to keep within the budget. */
  const cost = new Map<string, number>(passes.map((p) => [p.name, p.name.startsWith('zbar') || p.name.startsWith('zxing-harder') ? PRIOR_MS_PER_MPX * 5 : PRIOR_MS_PER_MPX]));
  // Every pass once on a frame with two finder patterns before the first camera frame: the engine
  // compiles each pass's code on its first run (tens of ms), which would otherwise fall on a
  // citizen's frame; the repair's tries too (the old warm-up frame had no pair, so they never ran).
  // Not all of it: the finder search still costs about 20 ms CPU on its first one or two camera
  // frames (3 after), more warm-up rounds did not change that, and the process's CPU time then also
  // holds the engine's background compilation of whatever else is hot.
  const warm = warmFrame();
  for (const pass of passes) await pass.run(warm, Infinity);
  searches = 0;
  searchPerMpx.length = 0;
  const [lead, half, ...others] = passes as [Pass, Pass, ...Pass[]];
  const sharp = others.find((p) => p.name === 'zxing-sharp') as Pass;
  const turnPasses = others.filter((p) => p.isTurn);
  // The repair before every two other turns: on field frames 20-31 it read more of the codes nothing
  // else reads (cracked, finger, glare) than all other turn passes together, and a hand-held scene
  // gives it a new frame each time. Seven passes in nine turns, one every third frame: all within 27
  // frames, inside the second a person holds the phone up (30 frames at 30 fps).
  const repairTurn = turnPasses.find((p) => p.name === 'zxing-repair');
  const rest = turnPasses.filter((p) => p !== repairTurn);
  const turns = rest.flatMap((p, i) => (repairTurn && i % 2 === 0 ? [repairTurn, p] : [p]));
  /** ZBar's whole tiles: a budget and a half each, so in a stream only where the budget allows (a faster machine). */
  const tiles = others.filter((p) => p.isTile);
  /** Passes of a few ms (region, global histogram): in whatever budget is left on any frame. */
  const cheap = others.filter((p) => !p.isTurn && !p.isTile && p !== sharp);
  /** The turn pass due next. */
  let next = 0;
  /** Frames since the last turn frame. */
  let sinceTurn = 0;
  /** A new scene (or a lone frame, or the end of the warm-up): nothing of the last one carries over. */
  const forgetScene = (): void => {
    region = undefined;
    twoCodesTtl = 0;
    next = 0;
    sinceTurn = 0;
    repairFrom = 0;
    codeLikeTtl = 0;
    sinceText = 0;
  };
  forgetScene();

  return {
    reset: forgetScene,
    async decode(input) {
      const t0 = now();
      const done = (read: Omit<FrameRead, 'ms'>): FrameRead => ({ ...read, ms: now() - t0 });
      const { width, height } = input;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width < 21 || height < 21) return done({ text: null, decoder: null, passes: [], rejected: `frame ${width}×${height} too small` });
      if (input.data.length < width * height) return done({ text: null, decoder: null, passes: [], rejected: `truncated frame: ${input.data.length} of ${width * height} bytes` });
      const frame = Math.max(width, height) > MAX_SIDE ? reduce(input) : input;
      if (!isStream) forgetScene();
      const ran: string[] = [];
      const texts = new Set<string>();
      let by: string | null = null;
      // In a stream, frames take turns: ZXing-C++ leads on two frames of three (full frame, then the
      // halved one in both polarities), and the third goes first to the turn pass that is due, which
      // runs whatever its usual cost (one that waited for its cost to fit never ran), then to the
      // cheap passes. Whatever budget remains goes to the others, in turn order. Alone, a frame gets
      // the lead, then the others as the budget allows.
      // Every third frame, whatever the scene. Turns on every other frame once a code was seen unread
      // (or after 6 frames without a text) read later on field sequences 124-127 (perspective 125 at
      // frame 29 instead of 4, three others 1-2 frames later; none sooner) at CPU p95 20.6 instead of
      // 13.6 ms: the lead, which reads most codes, lost its frames.
      const isTurnFrame = isStream && sinceTurn >= 2;
      // A stuck scene: something like a code in view (ZXing-C++ saw one, or the repair's search found
      // finder patterns) and three frames without a text. Its second lead frame of every three goes to
      // the sharpened frame instead: a small code out of focus (the field set's dense DCCs) that
      // ZXing-C++ reads only sharpened, on 6-7 frames in 10 of such a scene, while the lead had
      // already had its first tries. As a turn pass (one frame in 33) it left the bench's earlier
      // out-of-focus DCCs at 11 of 12 where ZBar at full resolution (40 ms a frame) read 12. A scene
      // without a code seldom gets it (4 of the field set's 360 frames of busy scenes, where the search
      // once found two finder-like patterns); QR-like noise often does (108 of 360 frames).
      const isSharpFrame = isStream && sinceTurn === 1 && sinceText >= 3 && (region !== undefined || codeLikeTtl > 0);
      sinceTurn = isTurnFrame ? 0 : sinceTurn + 1;
      const pixelsOf = (p: Pass) => (p.pixels ? p.pixels(frame) : frame.width * frame.height);
      const rotation = [...turns.slice(next), ...turns.slice(0, next)];
      // A pass with nothing to do on this frame (no region yet) gives its turn to the next.
      const dueAt = rotation.findIndex((p) => pixelsOf(p) > 0);
      const due = isTurnFrame && dueAt >= 0 ? rotation[dueAt] : isSharpFrame ? sharp : undefined;
      const order = !isStream ? passes : due ? [due, ...cheap, ...new Set(isTurnFrame ? rotation.slice(dueAt + 1) : rotation), ...tiles, lead, half] : [lead, half, ...cheap, ...new Set(rotation), ...tiles];
      for (const pass of order) {
        if (texts.size > 0) break;
        const mpx = pixelsOf(pass) / 1e6;
        if (mpx === 0) continue;
        // ZXing-C++ runs when nothing else has on this frame: every frame gets at least one pass, and
        // the halved frame right after it (the two: CPU p95 about 10 ms on field frames 20-43).
        const isForced = (ran.length === 0 && (pass === lead || pass === due)) || (pass === half && ran.length === 1 && ran[0] === lead.name);
        const usualMs = pass.fitMs?.(frame) ?? (cost.get(pass.name) ?? 0) * mpx;
        if (!isForced && now() - t0 + usualMs > budget) continue;
        const p0 = now();
        const found = await pass.run(frame, t0 + budget);
        const perMpx = (now() - p0) / mpx;
        // Up at once, down slowly: an underestimate costs the budget, an overestimate only a turn.
        const usual = cost.get(pass.name) ?? perMpx;
        if (!pass.fitMs) cost.set(pass.name, perMpx > usual ? perMpx : usual * 0.8 + perMpx * 0.2);
        ran.push(pass.name);
        // The turn moves on only when the pass it was for has run: one run earlier on a lead frame, in
        // the budget left there, does not skip the repair due before it.
        if (isStream && dueAt >= 0 && pass === rotation[dueAt]) next = (next + dueAt + 1) % turns.length;
        if (found.region) region = { box: found.region, ttl: REGION_FRAMES };
        if ((found.seen ?? 0) >= 2) twoCodesTtl = REGION_FRAMES + 1;
        for (const t of found.texts) texts.add(t);
        if (found.texts.length > 0) by = found.isInverted ? `${pass.name} inverted` : pass.name;
      }
      if (region && --region.ttl <= 0) region = undefined;
      if (codeLikeTtl > 0) codeLikeTtl--;
      sinceText = texts.size > 0 ? 0 : sinceText + 1;
      const isTwoInView = twoCodesTtl > 0;
      if (twoCodesTtl > 0) twoCodesTtl--;
      if (texts.size > 1) return done({ text: null, decoder: null, conflict: [...texts], passes: ran });
      const [text] = texts;
      // Two codes in view: a lone text may be the one not shown (a pass that reads part of the frame,
      // or the second code unreadable on this frame). Measured on the stream: 3 such texts in 40
      // frames of two-code scenes before this rule.
      if (text !== undefined && isTwoInView) return done({ text: null, decoder: null, withheld: `${by ?? 'a pass'} read one code while two were in view`, passes: ran });
      return done({ text: text ?? null, decoder: text === undefined ? null : by, passes: ran });
    },
  };
}
