import QRCode from 'qrcode';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { rng } from '../../server/services/seed.ts';

/**
 * Reproducible camera-like frames for the camera benchmark, `kiosk decode-frames` and the browser
 * tests: a QR rendered through a perspective camera (inverse-mapped with 2×2 supersampling), then
 * the optics and the sensor: blur, noise, contrast, glare, screen moiré, a finger, dark mode.
 * Seeded: the same (category, index) always gives the same frame.
 */
export const CATEGORIES = ['clean', 'scale', 'rotation', 'perspective', 'blur', 'noise', 'low-contrast', 'glare', 'moire', 'occlusion', 'inverted', 'no-code'] as const;
export type Category = (typeof CATEGORIES)[number];
export const PAYLOAD_KINDS = ['dcc', 'cccd', 'token'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

export interface Frame {
  name: string;
  category: Category;
  kind: PayloadKind | 'none';
  text: string | null;
  image: Gray8;
}

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Võ', 'Đặng', 'Bùi'];
const GIVEN = ['Thị Ánh Tuyết', 'Văn Hùng', 'Đức Thắng', 'Ngọc Hân', 'Minh Khôi', 'Thu Hằng'];

export function payloadFor(kind: PayloadKind, r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  switch (kind) {
    case 'dcc':
      // An EU DCC's QR: "HC1:" + Base45, 300-600 characters (QR versions 13-19 at level M/Q).
      return `HC1:${Array.from({ length: 296 + Math.floor(r() * 300) }, () => pick([...B45])).join('')}`;
    case 'cccd': {
      const id = `0${String(Math.floor(r() * 1e11)).padStart(11, '0')}`;
      return `${id}||${pick(FAMILY)} ${pick(GIVEN)}|15082003|Nữ|Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh|20052021`;
    }
    default:
      return `QR${String(Math.floor(r() * 1e12)).padStart(12, '0')}`;
  }
}

export interface Geometry {
  /** Code centre, px. */
  cx: number;
  cy: number;
  /** Code side including the quiet zone, px. */
  side: number;
  angle: number;
  /** Perspective: the top edge this much shorter than the bottom (0 = none), and a sideways tilt. */
  keystone: number;
  tilt: number;
}

/** A 3×3 homography mapping the unit square (code space) to image corners; inverted for sampling. */
function homography(src: number[][], dst: number[][]): number[] {
  // Solve for h (8 unknowns) from 4 point pairs: Gaussian elimination on an 8×9 system.
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i] as [number, number];
    const [u, v] = dst[i] as [number, number];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r2 = c + 1; r2 < 8; r2++) if (Math.abs((a[r2] as number[])[c] as number) > Math.abs((a[p] as number[])[c] as number)) p = r2;
    [a[c], a[p]] = [a[p] as number[], a[c] as number[]];
    const row = a[c] as number[];
    for (let r2 = 0; r2 < 8; r2++) {
      if (r2 === c) continue;
      const other = a[r2] as number[];
      const f = (other[c] as number) / (row[c] as number);
      for (let k = c; k < 9; k++) other[k] = (other[k] as number) - f * (row[k] as number);
    }
  }
  return [...a.map((row, i) => (row[8] as number) / (row[i] as number)), 1];
}

export interface Ink {
  paper: number;
  ink: number;
  /** Quiet zone, modules. */
  quiet?: number;
}

/** Draws a code into `out` (the scene behind it stays outside the code), 2×2 supersampled. */
export function drawCode(out: Float32Array, modules: { size: number; data: Uint8Array }, width: number, height: number, g: Geometry, look: Ink): Float32Array {
  const quiet = look.quiet ?? 4;
  const n = modules.size + 2 * quiet;
  const h = g.side / 2;
  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const corner = (x: number, y: number): [number, number] => [g.cx + x * cos - y * sin, g.cy + x * sin + y * cos];
  const top = h * (1 - g.keystone);
  const dst = [corner(-top + g.tilt * h, -h), corner(top + g.tilt * h, -h), corner(h, h), corner(-h, h)];
  // Image → code space: the homography from image corners to the unit square.
  const m = homography(dst, [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ]);
  const [a, b, c, d, e, f, p, q] = m as [number, number, number, number, number, number, number, number];
  const xs = dst.map((pt) => pt[0]);
  const ys = dst.map((pt) => pt[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(width, Math.ceil(Math.max(...xs)) + 1);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(height, Math.ceil(Math.max(...ys)) + 1);
  const offsets = [0.25, 0.75];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      let sum = 0;
      let inside = 0;
      for (const oy of offsets) {
        for (const ox of offsets) {
          const X = x + ox;
          const Y = y + oy;
          const w = p * X + q * Y + 1;
          const u = (a * X + b * Y + c) / w;
          const v = (d * X + e * Y + f) / w;
          if (u < 0 || u >= 1 || v < 0 || v >= 1) continue;
          inside++;
          const mx = Math.floor(u * n) - quiet;
          const my = Math.floor(v * n) - quiet;
          const isDark = mx >= 0 && my >= 0 && mx < modules.size && my < modules.size && modules.data[my * modules.size + mx] === 1;
          sum += isDark ? look.ink : look.paper;
        }
      }
      if (inside > 0) out[y * width + x] = (sum + (4 - inside) * (out[y * width + x] as number)) / 4;
    }
  }
  return out;
}

function render(modules: { size: number; data: Uint8Array }, width: number, height: number, g: Geometry, isInverted: boolean): Float32Array {
  const out = new Float32Array(width * height).fill(isInverted ? 0.05 : 0.55);
  return drawCode(out, modules, width, height, g, isInverted ? { paper: 0.08, ink: 0.92 } : { paper: 0.94, ink: 0.06 });
}

export function boxBlur(img: Float32Array, width: number, height: number, radius: number): Float32Array {
  const tmp = new Float32Array(img.length);
  const out = new Float32Array(img.length);
  const k = 2 * radius + 1;
  for (let y = 0; y < height; y++) {
    let acc = 0;
    for (let x = -radius; x <= radius; x++) acc += img[y * width + Math.min(width - 1, Math.max(0, x))] as number;
    for (let x = 0; x < width; x++) {
      tmp[y * width + x] = acc / k;
      acc += (img[y * width + Math.min(width - 1, x + radius + 1)] as number) - (img[y * width + Math.max(0, x - radius)] as number);
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let y = -radius; y <= radius; y++) acc += tmp[Math.min(height - 1, Math.max(0, y)) * width + x] as number;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc / k;
      acc += (tmp[Math.min(height - 1, y + radius + 1) * width + x] as number) - (tmp[Math.max(0, y - radius) * width + x] as number);
    }
  }
  return out;
}

export function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-9, r()))) * Math.cos(2 * Math.PI * r());
}

/** One frame of `category`; `index` varies payload, placement and the strength of the effect. */
export function makeFrame(category: Category, index: number, width = 1280, height = 720): Frame {
  const r = rng(CATEGORIES.indexOf(category) * 1000 + index * 7 + width);
  const kind: PayloadKind | 'none' = category === 'no-code' ? 'none' : (PAYLOAD_KINDS[index % PAYLOAD_KINDS.length] as PayloadKind);
  const text = kind === 'none' ? null : payloadFor(kind, r);
  const short = Math.min(width, height);
  const g: Geometry = { cx: width / 2 + (r() - 0.5) * width * 0.2, cy: height / 2 + (r() - 0.5) * height * 0.1, side: short * (0.62 + r() * 0.2), angle: (r() - 0.5) * 0.1, keystone: 0, tilt: 0 };
  if (category === 'scale') g.side = short * (index % 2 === 0 ? 0.4 + r() * 0.08 : 0.9);
  if (category === 'rotation') g.angle = (0.3 + r() * 0.5) * (r() < 0.5 ? -1 : 1);
  if (category === 'perspective') {
    g.keystone = 0.12 + r() * 0.12;
    g.tilt = (r() - 0.5) * 0.3;
  }
  let img: Float32Array;
  if (text === null) {
    // Busy scenes without a code: blocks and text-like stripes (a bag, a face, a shirt pattern).
    img = new Float32Array(width * height).fill(0.5);
    for (let i = 0; i < 300; i++) {
      const x0 = Math.floor(r() * width);
      const y0 = Math.floor(r() * height);
      const w = 5 + Math.floor(r() * 80);
      const h = 5 + Math.floor(r() * 40);
      const v = r();
      for (let y = y0; y < Math.min(height, y0 + h); y++) for (let x = x0; x < Math.min(width, x0 + w); x++) img[y * width + x] = v;
    }
    img = boxBlur(img, width, height, 1);
  } else {
    const modules = QRCode.create(text, { errorCorrectionLevel: kind === 'dcc' ? 'M' : 'Q' }).modules as unknown as { size: number; data: Uint8Array };
    img = render(modules, width, height, g, category === 'inverted');
  }
  const moduleEstimate = g.side / 45;
  switch (category) {
    case 'blur':
      img = boxBlur(boxBlur(img, width, height, Math.max(1, Math.round(moduleEstimate * (0.25 + r() * 0.1)))), width, height, 1);
      break;
    case 'low-contrast':
      for (let i = 0; i < img.length; i++) img[i] = 0.42 + (img[i] as number) * (0.14 + r() * 0.02);
      break;
    case 'glare': {
      const gx = g.cx + (r() - 0.5) * g.side * 0.5;
      const gy = g.cy + (r() - 0.5) * g.side * 0.5;
      const radius = g.side * (0.18 + r() * 0.08);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const d2 = ((x - gx) ** 2 + (y - gy) ** 2) / (radius * radius);
          if (d2 < 4) img[y * width + x] = Math.min(1, (img[y * width + x] as number) + 0.75 * Math.exp(-d2));
        }
      }
      break;
    }
    case 'moire': {
      const period = 3 + r() * 3;
      const angle = r() * Math.PI;
      const cx = Math.cos(angle);
      const sy = Math.sin(angle);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) img[y * width + x] = (img[y * width + x] as number) * (0.78 + 0.22 * Math.sin((2 * Math.PI * (x * cx + y * sy)) / period));
      img = boxBlur(img, width, height, 1);
      break;
    }
    case 'occlusion': {
      // A fingertip over one edge of the code, away from the three finder patterns.
      const fx = g.cx + g.side * (0.22 + r() * 0.1);
      const fy = g.cy + g.side * (0.32 + r() * 0.08);
      const rx = g.side * 0.09;
      const ry = g.side * 0.2;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (((x - fx) / rx) ** 2 + ((y - fy) / ry) ** 2 < 1) img[y * width + x] = 0.35 + 0.05 * Math.sin(x / 7);
        }
      }
      break;
    }
    default:
      break;
  }
  // Every frame passes through a sensor: mild blur and noise; strong noise for the noise category.
  if (category !== 'blur' && category !== 'moire') img = boxBlur(img, width, height, 1);
  const sigma = category === 'noise' ? 0.1 + r() * 0.04 : 0.025;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < img.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(((img[i] as number) + sigma * gaussian(r)) * 255)));
  return { name: `${category}-${width}x${height}-${String(index).padStart(2, '0')}`, category, kind, text, image: { data, width, height } };
}

/** The benchmark's frame set at one resolution: `perCategory` frames of each category. */
export function* frameSet(width: number, height: number, perCategory: number): Generator<Frame> {
  for (const category of CATEGORIES) for (let i = 0; i < perCategory; i++) yield makeFrame(category, i, width, height);
}

/** Binary PGM (P5): what `kiosk decode-frames` reads. */
export function toPgm(img: Gray8): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, 'ascii'), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength)]);
}

/**
 * YUV4MPEG2 (4:2:0) of gray frames: what Chromium's fake capture device plays in a loop
 * (`--use-file-for-fake-video-capture`). Chroma is neutral grey.
 */
export function toY4m(frames: readonly Gray8[], fps: number): Buffer {
  const first = frames[0];
  if (!first) throw new Error('no frames');
  const { width, height } = first;
  const chroma = Buffer.alloc(2 * (width >> 1) * (height >> 1), 128);
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii')];
  for (const f of frames) {
    if (f.width !== width || f.height !== height) throw new Error('all frames must have the same size');
    parts.push(Buffer.from('FRAME\n', 'ascii'), Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength), chroma);
  }
  return Buffer.concat(parts);
}
