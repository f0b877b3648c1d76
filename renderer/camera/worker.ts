import { createFrameDecoder, type FrameDecoder } from '../../common/qr/frame-decoder.ts';
import { rgbaToGray8 } from '../../common/qr/qr-decoder.ts';
import type { FrameReply, FrameRequest } from './protocol.ts';

/**
 * The camera's decoder off the main thread: one frame at a time (the page sends the next only
 * after this one is answered, so frames are dropped, never queued), the same decoder as
 * `kiosk decode-frames`.
 */
interface WorkerScope {
  onmessage: ((e: { data: FrameRequest }) => void) | null;
  postMessage(message: FrameReply): void;
}
const scope = globalThis as unknown as WorkerScope;
let decoder: Promise<FrameDecoder> | undefined;

scope.onmessage = (e) => {
  const { id, width, height, rgba } = e.data;
  decoder ??= createFrameDecoder();
  void decoder
    .then(async (d) => {
      const t0 = performance.now();
      const text = await d.decode(rgbaToGray8(new Uint8ClampedArray(rgba), width, height));
      scope.postMessage({ id, text, ms: performance.now() - t0 });
    })
    .catch((err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }));
};
