import { PNG } from 'pngjs';
import { rgbaToGray8, type Gray8 } from '../../common/qr/qr-decoder.ts';

/**
 * PNG → luminance for the QR decoder. Bytes after the IEND chunk (some encoders append metadata)
 * are dropped first: pngjs refuses them, image viewers ignore them.
 */
export function pngToGray8(bytes: Uint8Array): Gray8 {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const iend = buf.indexOf('IEND', 8, 'latin1');
  const png = PNG.sync.read(iend > 0 ? buf.subarray(0, iend + 8) : buf);
  return rgbaToGray8(png.data, png.width, png.height);
}
