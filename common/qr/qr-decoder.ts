import {
  BinaryBitmap,
  DecodeHintType,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  InvertedLuminanceSource,
  PlanarYUVLuminanceSource,
  QRCodeReader,
  type LuminanceSource,
} from '@zxing/library';

/**
 * The QR decoder: 8-bit luminance in, text out. Environment-neutral (no DOM, no Node), so the
 * renderer's Web Worker, `kiosk decode-frames` and `kiosk verify --image` run the same code.
 */
export interface Gray8 {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

const HINTS = new Map<DecodeHintType, unknown>([
  [DecodeHintType.TRY_HARDER, true],
  // QR byte mode is ISO-8859-1 unless an ECI says otherwise, but Vietnamese QR codes are UTF-8
  // without ECI; guessing the charset mangles names (docs/hardware.md §1.2, last point).
  [DecodeHintType.CHARACTER_SET, 'UTF-8'],
]);

const PURE_HINTS = new Map<DecodeHintType, unknown>([...HINTS, [DecodeHintType.PURE_BARCODE, true]]);

/** A luminance view of a gray frame for ZXing (no copy). */
export function source(img: Gray8): LuminanceSource {
  const bytes = img.data instanceof Uint8ClampedArray ? img.data : new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new PlanarYUVLuminanceSource(bytes, img.width, img.height, 0, 0, img.width, img.height, false);
}

/** One decode attempt with a binarizer; null when no QR is found. */
export function attempt(reader: QRCodeReader, src: LuminanceSource, isGlobal: boolean, hints = HINTS): string | null {
  try {
    const bitmap = new BinaryBitmap(isGlobal ? new GlobalHistogramBinarizer(src) : new HybridBinarizer(src));
    return reader.decode(bitmap, hints).getText();
  } catch {
    return null;
  }
}

/** Stock decoding: @zxing/library's hybrid binarizer, as a browser reader would run it. */
export function decodeQrStock(img: Gray8): string | null {
  return attempt(new QRCodeReader(), source(img), false);
}

/**
 * The kiosk's decoder: hybrid, then global binarization, then the same on the inverted image (dark
 * mode), then "pure barcode" sampling for a code that fills the image edge to edge without a quiet
 * zone (screenshots, generated PNGs): there zxing's finder-pattern search fails but the module
 * grid can be read directly.
 */
export function decodeQr(img: Gray8): string | null {
  const reader = new QRCodeReader();
  const src = source(img);
  return attempt(reader, src, false) ?? attempt(reader, src, true) ?? attempt(reader, new InvertedLuminanceSource(src), false) ?? attempt(reader, src, false, PURE_HINTS);
}

/** RGBA (canvas ImageData, PNG) → luminance (ITU-R BT.601 weights, integer arithmetic). */
export function rgbaToGray8(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Gray8 {
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; j < out.length; i += 4, j++) {
    out[j] = ((rgba[i] as number) * 77 + (rgba[i + 1] as number) * 150 + (rgba[i + 2] as number) * 29) >> 8;
  }
  return { data: out, width, height };
}
