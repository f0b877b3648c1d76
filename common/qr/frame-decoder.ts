import { getDefaultScanner, scanGrayBuffer, ZBarConfigType, ZBarSymbolType, type ZBarScanner } from '@undecaf/zbar-wasm';
import { InvertedLuminanceSource, QRCodeReader, type LuminanceSource } from '@zxing/library';
import { attempt, source, type Gray8 } from './qr-decoder.ts';

/**
 * The camera's decoder: one 8-bit luminance frame in, the QR text out (null when there is none).
 * Environment-neutral (no DOM, no Node): the renderer's Web Worker, `kiosk decode-frames` and the
 * camera benchmark run this same code.
 *
 * Measured on the benchmark's frames (docs/benchmarks.md, `camera`): stock @zxing/library fails on
 * almost every real-looking frame because sensor noise turns the background into salt and pepper
 * for its hybrid binarizer. So frames are first halved (a 2×2 average: four times fewer pixels and
 * half the noise), then read by two different readers that fail differently: ZXing (strong on
 * clean, dark-mode and low-contrast codes) and ZBar compiled to WebAssembly (strong on blur,
 * perspective and partly covered codes). Full resolution is the last resort, for small dense codes.
 */
export interface FrameDecoder {
  decode(frame: Gray8): Promise<string | null>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const reader = new QRCodeReader();
const zxing = (src: LuminanceSource, isGlobal = false): string | null => attempt(reader, src, isGlobal);

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

/** Stretches the 1st-99th percentile to full range: washed-out screens and dim prints. */
export function stretch(img: Gray8): Gray8 | undefined {
  const hist = new Uint32Array(256);
  for (const v of img.data) hist[v] = (hist[v] as number) + 1;
  const cut = img.data.length * 0.01;
  let lo = 0;
  let hi = 255;
  for (let acc = 0; lo < 255 && (acc += hist[lo] as number) < cut; ) lo++;
  for (let acc = 0; hi > 0 && (acc += hist[hi] as number) < cut; ) hi--;
  // Already full range (nothing to gain), or flat (nothing to find).
  if (hi - lo > 160 || hi - lo < 8) return undefined;
  const k = 255 / (hi - lo);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(((img.data[i] as number) - lo) * k)));
  return { data: out, width: img.width, height: img.height };
}

/** 3×3 box filter at full resolution: small codes keep their modules, noise goes. */
export function smooth(img: Gray8): Gray8 {
  const { width: w, height: h, data: s } = img;
  const rows = new Uint16Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 1; x < w - 1; x++) rows[y * w + x] = (s[y * w + x - 1] as number) + (s[y * w + x] as number) + (s[y * w + x + 1] as number);
  }
  for (let y = 1; y < h - 1; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = ((rows[(y - 1) * w + x] as number) + (rows[y * w + x] as number) + (rows[(y + 1) * w + x] as number) + 4) / 9;
  }
  return { data: out, width: w, height: h };
}

async function zbar(scanner: ZBarScanner, img: Gray8): Promise<string | null> {
  // zbar-wasm copies the buffer into its heap; a halved frame owns its buffer outright.
  const buffer = img.data.byteOffset === 0 && img.data.byteLength === img.data.buffer.byteLength ? img.data.buffer : img.data.slice().buffer;
  const symbols = await scanGrayBuffer(buffer as ArrayBuffer, img.width, img.height, scanner);
  for (const s of symbols) {
    try {
      return utf8.decode(s.data);
    } catch {
      // Not UTF-8: a code of no format we accept (or a misread): keep looking.
    }
  }
  return null;
}

export async function createFrameDecoder(): Promise<FrameDecoder> {
  const scanner = await getDefaultScanner();
  scanner.setConfig(ZBarSymbolType.ZBAR_NONE, ZBarConfigType.ZBAR_CFG_ENABLE, 0);
  scanner.setConfig(ZBarSymbolType.ZBAR_QRCODE, ZBarConfigType.ZBAR_CFG_ENABLE, 1);
  return {
    async decode(frame) {
      const half = halve(frame);
      const halfSource = source(half);
      const first = zxing(halfSource) ?? (await zbar(scanner, half)) ?? zxing(new InvertedLuminanceSource(halfSource));
      if (first !== null) return first;
      const stretched = stretch(half);
      return (stretched ? zxing(source(stretched)) : null) ?? zxing(source(smooth(frame))) ?? zxing(halfSource, true);
    },
  };
}
