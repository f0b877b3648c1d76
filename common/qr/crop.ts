import type { Gray8 } from './qr-decoder.ts';

/** A rectangle of a frame in pixels, x1 and y1 excluded. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A copy of the box's pixels, as its own frame (a pass reads a region; a repair paints on a copy). */
export function crop(img: Gray8, b: Box): Gray8 & { data: Uint8Array } {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(img.data.subarray((b.y0 + y) * img.width + b.x0, (b.y0 + y) * img.width + b.x1), y * w);
  return { data: out, width: w, height: h };
}
