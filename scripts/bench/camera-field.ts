import QRCode from 'qrcode';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { rng } from '../../server/services/seed.ts';
import { boxBlur, drawCode, gaussian, payloadFor, PAYLOAD_KINDS, type Geometry, type Ink, type PayloadKind } from './camera-frames.ts';

/**
 * The field set: frames as citizens really show their codes to the kiosk camera, harder and more
 * varied than camera-frames.ts (issue 15), whose categories the decoder was tuned on. Codes are
 * sized in pixels per module (ppm), the figure that decides whether a module survives the sensor:
 * a DCC on a phone at arm's length is 2.5-4 ppm at 1280×720. Seeded: the same (category, index,
 * shot) always gives the same frame; consecutive shots of one scene are a hand-held sequence (shake,
 * motion blur, exposure drift) for time-to-read.
 */
export const FIELD_CATEGORIES = [
  'dense-dcc',
  'screen-glare',
  'dark-mode',
  'cracked',
  'finger',
  'perspective',
  'motion-blur',
  'low-light',
  'guilloche',
  'multi',
  'qr-like',
  'empty',
] as const;
export type FieldCategory = (typeof FIELD_CATEGORIES)[number];

/** What a right answer is: the text, nothing (no code in view), or a refusal (two codes in view). */
export type Expect = { kind: 'text'; text: string } | { kind: 'none' } | { kind: 'conflict'; texts: [string, string] };

/** The text a reader must return for a frame; undefined where no text is right (no code, or two). */
export const expectedText = (f: { expect: Expect }): string | undefined => (f.expect.kind === 'text' ? f.expect.text : undefined);

export interface FieldFrame {
  name: string;
  category: FieldCategory;
  expect: Expect;
  /** Pixels per module of the (first) code; 0 without one. */
  ppm: number;
  image: Gray8;
}

type Modules = { size: number; data: Uint8Array };

const modulesOf = (text: string, level: 'L' | 'M' | 'Q'): Modules => QRCode.create(text, { errorCorrectionLevel: level }).modules;

/** A long EU DCC: QR versions 14-23 at level M (Base45 after "HC1:"). */
function densePayload(r: () => number): string {
  const b45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  return `HC1:${Array.from({ length: 480 + Math.floor(r() * 760) }, () => b45[Math.floor(r() * b45.length)]).join('')}`;
}

/** Lines of a guilloche rosette: thin dark curves over light card stock. */
function guilloche(img: Float32Array, width: number, r: () => number): void {
  const height = img.length / width;
  const k1 = 0.02 + r() * 0.02;
  const k2 = 0.013 + r() * 0.02;
  const phase = r() * 6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.sin(x * k1 + 9 * Math.sin(y * k2 + phase)) + Math.sin(y * k1 * 1.3 + 7 * Math.sin(x * k2 * 0.8));
      img[y * width + x] = 0.86 - 0.35 * Math.max(0, Math.abs(v) < 0.18 ? 1 - Math.abs(v) / 0.18 : 0);
    }
  }
}

/** Out of focus: a separable Gaussian of `sigma` px, edges repeated. */
function defocus(img: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  const k = taps.map((t) => t / sum);
  const along = (src: Float32Array, step: number, n: number, lines: number, lineStep: number): Float32Array => {
    const out = new Float32Array(src.length);
    for (let l = 0; l < lines; l++) {
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let t = -radius; t <= radius; t++) acc += (k[t + radius] as number) * (src[l * lineStep + Math.min(n - 1, Math.max(0, i + t)) * step] as number);
        out[l * lineStep + i * step] = acc;
      }
    }
    return out;
  };
  return along(along(img, 1, width, height, width), width, height, width, 1);
}

/** Motion blur: an average along a line of `length` px at `angle`. */
function motionBlur(img: Float32Array, width: number, length: number, angle: number): Float32Array {
  if (length < 1.5) return img;
  const out = new Float32Array(img.length);
  const taps = Math.max(2, Math.round(length));
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const offsets = Array.from({ length: taps }, (_, i) => {
    const t = i - (taps - 1) / 2;
    return Math.round(t * dy) * width + Math.round(t * dx);
  });
  for (let i = 0; i < img.length; i++) {
    let acc = 0;
    for (const o of offsets) acc += img[Math.min(img.length - 1, Math.max(0, i + o))] as number;
    out[i] = acc / taps;
  }
  return out;
}

/** A busy scene with no code (a bag, a shirt, a face): blocks and stripes. */
function clutter(img: Float32Array, width: number, height: number, r: () => number, count: number): void {
  for (let i = 0; i < count; i++) {
    const x0 = Math.floor(r() * width);
    const y0 = Math.floor(r() * height);
    const w = 5 + Math.floor(r() * 80);
    const h = 5 + Math.floor(r() * 40);
    const v = r();
    for (let y = y0; y < Math.min(height, y0 + h); y++) for (let x = x0; x < Math.min(width, x0 + w); x++) img[y * width + x] = v;
  }
}

/** Random modules with real finder patterns: the worst noise for a QR decoder (never a valid code). */
function qrLikeNoise(img: Float32Array, width: number, height: number, r: () => number): void {
  const size = 25 + 4 * Math.floor(r() * 12);
  const data = new Uint8Array(size * size).map(() => (r() < 0.5 ? 1 : 0));
  const finder = (fx: number, fy: number) => {
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 7; x++) {
        const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
        data[(fy + y) * size + fx + x] = ring === 2 ? 0 : 1;
      }
    }
  };
  finder(0, 0);
  finder(size - 7, 0);
  finder(0, size - 7);
  const short = Math.min(width, height);
  drawCode(img, { size, data }, width, height, { cx: width / 2, cy: height / 2, side: short * (0.5 + r() * 0.3), angle: (r() - 0.5) * 0.4, keystone: 0, tilt: 0 }, { paper: 0.92, ink: 0.08 });
}

interface Scene {
  category: FieldCategory;
  expect: Expect;
  ppm: number;
  /** Renders the scene for one shot: `shake` moves the camera a little between shots. */
  draw(shake: { dx: number; dy: number; da: number; scale: number }): Float32Array;
  /** Effects after the optics: per scene, not per shot. */
  blur: { length: number; angle: number; defocus: number };
  light: { gain: number; offset: number; noise: number };
}

function scene(category: FieldCategory, index: number, width: number, height: number): Scene {
  const r = rng(0x15f1e1d + FIELD_CATEGORIES.indexOf(category) * 7919 + index * 104729 + width);
  const kind = PAYLOAD_KINDS[index % PAYLOAD_KINDS.length] as PayloadKind;
  const text = category === 'dense-dcc' ? densePayload(r) : payloadFor(kind, r);
  const modules = modulesOf(text, kind === 'cccd' ? 'Q' : 'M');
  const light = { gain: 1, offset: 0, noise: 0.03 };
  const blur = { length: 0, angle: 0, defocus: 0 };
  let ppm = 3 + r() * 3;
  let look: Ink = { paper: 0.93, ink: 0.07 };
  let background = 0.5;
  let keystone = 0;
  let tilt = 0;
  let angle = (r() - 0.5) * 0.5;
  const extras: ((img: Float32Array, g: Geometry) => void)[] = [];
  switch (category) {
    case 'dense-dcc':
      ppm = 2 + r() * 2;
      // A phone held close to a fixed-focus webcam: the code is out of focus (Gaussian sigma, px,
      // before the lens softness in `expose`). Without it every reader read all 12 scenes; with it
      // stock ZXing-C++ reads half the single frames (6 of 12, ZBar too), as it did on another
      // generator's DCCs at 2.5-3 px per module (docs/benchmarks.md). Sigma 0.8-1.3 left every
      // reader 5 or fewer and no code under 3.4 px per module read.
      blur.defocus = 0.6 + r() * 0.5;
      break;
    case 'screen-glare': {
      // A phone screen: the sub-pixel grid beats against the sensor (moiré), a lamp reflects off the glass.
      look = { paper: 0.9, ink: 0.12 };
      background = 0.1;
      const period = 2.2 + r() * 1.6;
      const pa = r() * Math.PI;
      const gx = (r() - 0.5) * 0.6;
      const gy = (r() - 0.5) * 0.6;
      const rad = 0.18 + r() * 0.12;
      extras.push((img, g) => {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const i = y * width + x;
            const beat = 0.85 + 0.15 * Math.sin((2 * Math.PI * (x * Math.cos(pa) + y * Math.sin(pa))) / period);
            const d2 = ((x - g.cx - gx * g.side) ** 2 + (y - g.cy - gy * g.side) ** 2) / (rad * g.side) ** 2;
            img[i] = (img[i] as number) * beat + (d2 < 6 ? 0.9 * Math.exp(-d2 * 1.5) : 0);
          }
        }
      });
      break;
    }
    case 'dark-mode':
      look = { paper: 0.1 + r() * 0.06, ink: 0.62 + r() * 0.2 };
      background = 0.06;
      break;
    case 'cracked': {
      // A cracked screen protector: bright and dark hairlines radiating from an impact point.
      const ix = (r() - 0.5) * 0.8;
      const iy = (r() - 0.5) * 0.8;
      const lines = Array.from({ length: 4 + Math.floor(r() * 4) }, () => ({ a: r() * 2 * Math.PI, bend: (r() - 0.5) * 0.6, v: r() < 0.6 ? 0.97 : 0.25, w: 0.6 + r() * 1.2 }));
      extras.push((img, g) => {
        const sx = g.cx + ix * g.side * 0.5;
        const sy = g.cy + iy * g.side * 0.5;
        for (const l of lines) {
          for (let t = 0; t < g.side * 1.2; t += 0.5) {
            const a = l.a + l.bend * (t / g.side);
            const px = sx + Math.cos(a) * t;
            const py = sy + Math.sin(a) * t;
            for (let oy = -1; oy <= 1; oy++) {
              for (let ox = -1; ox <= 1; ox++) {
                const x = Math.round(px) + ox;
                const y = Math.round(py) + oy;
                if (x < 0 || y < 0 || x >= width || y >= height || Math.hypot(x - px, y - py) > l.w) continue;
                img[y * width + x] = l.v;
              }
            }
          }
        }
      });
      break;
    }
    case 'finger': {
      // Fingers holding the phone: from the bottom or a side, over the code's edge, at times over part of a finder pattern.
      const side = Math.floor(r() * 3);
      const along = r() < 0.35 ? -0.38 : (r() - 0.5) * 0.4;
      const depth = 0.1 + r() * 0.08;
      extras.push((img, g) => {
        const h = g.side / 2;
        const [fx, fy, rx, ry] =
          side === 0 ? [g.cx + along * g.side, g.cy + h, g.side * 0.1, g.side * (depth + 0.12)] : side === 1 ? [g.cx + h, g.cy + along * g.side, g.side * (depth + 0.12), g.side * 0.1] : [g.cx - h, g.cy - along * g.side * -1, g.side * (depth + 0.12), g.side * 0.1];
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const d = ((x - fx) / rx) ** 2 + ((y - fy) / ry) ** 2;
            if (d < 1) img[y * width + x] = 0.38 + 0.18 * (1 - d);
          }
        }
      });
      break;
    }
    case 'perspective':
      keystone = 0.28 + r() * 0.17;
      tilt = (r() - 0.5) * 0.7;
      angle = (r() - 0.5) * 1.2;
      ppm = 3.5 + r() * 2.5;
      break;
    case 'motion-blur':
      blur.length = 3 + r() * 5;
      blur.angle = r() * Math.PI;
      ppm = 4 + r() * 3;
      break;
    case 'low-light':
      light.gain = 0.16 + r() * 0.12;
      light.offset = 0.02;
      light.noise = 0.025 + r() * 0.02;
      break;
    case 'guilloche':
      look = { paper: 0.88, ink: 0.12, quiet: 2 };
      background = -1;
      break;
    default:
      break;
  }
  const short = Math.min(width, height);
  const side = Math.min(short * 0.95, (modules.size + 2 * (look.quiet ?? 4)) * ppm);
  ppm = side / (modules.size + 2 * (look.quiet ?? 4));
  const cx = width / 2 + (r() - 0.5) * (width - side) * 0.6;
  const cy = height / 2 + (r() - 0.5) * (height - side) * 0.4;
  const bgSeed = Math.floor(r() * 1e9);
  let second: { modules: Modules; text: string; g: Geometry } | undefined;
  if (category === 'multi') {
    // Two people at the gate at once: two different codes side by side.
    const other = payloadFor(PAYLOAD_KINDS[(index + 1) % PAYLOAD_KINDS.length] as PayloadKind, r);
    const om = modulesOf(other, 'M');
    const oside = Math.min(short * 0.6, (om.size + 8) * (3 + r() * 2));
    second = { modules: om, text: other, g: { cx: width * 0.74, cy: height / 2, side: oside, angle: (r() - 0.5) * 0.3, keystone: 0, tilt: 0 } };
  }
  const isEmpty = category === 'empty' || category === 'qr-like';
  const expect: Expect = isEmpty ? { kind: 'none' } : second ? { kind: 'conflict', texts: [text, second.text] } : { kind: 'text', text };
  return {
    category,
    expect,
    ppm: isEmpty ? 0 : ppm,
    blur,
    light,
    draw(shake) {
      const img = new Float32Array(width * height).fill(background < 0 ? 0.5 : background);
      const br = rng(bgSeed);
      if (category === 'guilloche') guilloche(img, width, br);
      else if (category !== 'screen-glare' && category !== 'dark-mode') clutter(img, width, height, br, 120);
      if (category === 'qr-like') {
        qrLikeNoise(img, width, height, br);
        return img;
      }
      if (category === 'empty') return img;
      const g: Geometry = { cx: (second ? width * 0.3 : cx) + shake.dx, cy: cy + shake.dy, side: (second ? Math.min(side, width * 0.38) : side) * shake.scale, angle: angle + shake.da, keystone, tilt };
      if (category === 'screen-glare' || category === 'dark-mode') {
        // The phone's screen around the code.
        drawCode(img, { size: 1, data: new Uint8Array(1) }, width, height, { ...g, side: g.side * 1.25 }, { paper: look.paper, ink: look.paper, quiet: 0 });
      }
      drawCode(img, modules, width, height, g, look);
      if (second) drawCode(img, second.modules, width, height, { ...second.g, cx: second.g.cx + shake.dx, cy: second.g.cy + shake.dy }, look);
      for (const extra of extras) extra(img, g);
      return img;
    },
  };
}

/** The optics and the sensor: lens softness, motion, exposure, noise, 8-bit quantisation. */
function expose(img: Float32Array, width: number, height: number, s: Scene, shot: { motion: number; angle: number; gain: number }, r: () => number): Uint8Array {
  // The scene as the lens forms it (out of focus or not), then a fixed-focus webcam lens at arm's
  // length: softer than one pixel.
  const formed = s.blur.defocus > 0 ? defocus(img, width, height, s.blur.defocus) : img;
  let out = boxBlur(formed, width, height, 1);
  for (let i = 0; i < out.length; i++) out[i] = 0.3 * (formed[i] as number) + 0.7 * (out[i] as number);
  const length = Math.max(s.blur.length, shot.motion);
  out = motionBlur(out, width, length, s.blur.length > 0 ? s.blur.angle : shot.angle);
  const data = new Uint8Array(width * height);
  const gain = s.light.gain * shot.gain;
  for (let i = 0; i < out.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(((out[i] as number) * gain + s.light.offset + s.light.noise * gaussian(r)) * 255)));
  return data;
}

/** One frame of the field set. Shot 0 is the scene as is; later shots add hand shake and drift. */
export function fieldFrame(category: FieldCategory, index: number, width = 1280, height = 720, shot = 0): FieldFrame {
  const s = scene(category, index, width, height);
  const r = rng(0x5eed + FIELD_CATEGORIES.indexOf(category) * 31 + index * 1009 + shot * 65537);
  const jitter = shot === 0 ? { dx: 0, dy: 0, da: 0, scale: 1 } : { dx: (r() - 0.5) * width * 0.012, dy: (r() - 0.5) * height * 0.012, da: (r() - 0.5) * 0.02, scale: 1 + (r() - 0.5) * 0.03 };
  const motion = shot === 0 ? 0 : r() < 0.3 ? 1.5 + r() * 3 : 0;
  const image = expose(s.draw(jitter), width, height, s, { motion, angle: r() * Math.PI, gain: shot === 0 ? 1 : 0.85 + r() * 0.3 }, r);
  return { name: `${category}-${width}x${height}-${String(index).padStart(2, '0')}${shot ? `-${shot}` : ''}`, category, expect: s.expect, ppm: Math.round(s.ppm * 10) / 10, image: { data: image, width, height } };
}

export function* fieldSet(width: number, height: number, perCategory: number, categories: readonly FieldCategory[] = FIELD_CATEGORIES): Generator<FieldFrame> {
  for (const category of categories) for (let i = 0; i < perCategory; i++) yield fieldFrame(category, i, width, height);
}

/** A hand-held sequence: `length` consecutive shots of one scene (a second of holding at 15-30 fps). */
export function fieldSequence(category: FieldCategory, index: number, length: number, width = 1280, height = 720): FieldFrame[] {
  return Array.from({ length }, (_, shot) => fieldFrame(category, 100 + index, width, height, shot + 1));
}
