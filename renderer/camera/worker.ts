import { createFrameDecoder, type FrameDecoder } from '../../common/qr/frame-decoder.ts';
import { rgbaToGray8 } from '../../common/qr/qr-decoder.ts';
import type { FrameReply, FrameRequest } from './protocol.ts';

/**
 * The camera's decoder off the main thread: one frame at a time (the page sends the next only
 * after this one is answered, so frames are dropped, never queued), the same decoder as
 * `kiosk decode-frames`. Consecutive frames are one stream: the decoder spreads its passes over them.
 */
interface WorkerScope {
  location: { href: string };
  onmessage: ((e: { data: FrameRequest }) => void) | null;
  postMessage(message: FrameReply): void;
}
const scope = globalThis as unknown as WorkerScope;
let decoder: Promise<FrameDecoder> | undefined;

scope.onmessage = (e) => {
  const { id, width, height, rgba } = e.data;
  // ZXing-C++'s WebAssembly is served beside this worker: the kiosk is offline, and the library's default is a CDN.
  decoder ??= createFrameDecoder({ zxingWasm: (file) => new URL(file, scope.location.href).href });
  void decoder
    .then(async (d) => {
      if (!(width > 0 && height > 0 && rgba.byteLength >= width * height * 4)) {
        scope.postMessage({ id, text: null, ms: 0, decoder: null, rejected: `frame ${width}×${height} with ${rgba.byteLength} bytes` });
        return;
      }
      const read = await d.decode(rgbaToGray8(new Uint8ClampedArray(rgba), width, height));
      scope.postMessage({ id, text: read.text, ms: read.ms, decoder: read.decoder, ...(read.conflict ? { conflict: read.conflict.length } : {}), ...(read.rejected ? { rejected: read.rejected } : {}) });
    })
    .catch((err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }));
};
