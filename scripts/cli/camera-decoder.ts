import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createFrameDecoder, type FrameDecoder, type FrameDecoderOptions } from '../../common/qr/frame-decoder.ts';

/** ZXing-C++'s WebAssembly from the installed package (a Node process reads it from disk, never a CDN). */
export function zxingWasmBytes(): Uint8Array {
  return readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
}

/** The camera decoder for Node: `kiosk decode-frames`, the benchmark, the tests. */
export function createNodeFrameDecoder(o: Omit<FrameDecoderOptions, 'zxingWasm'> = {}): Promise<FrameDecoder> {
  return createFrameDecoder({ zxingWasm: zxingWasmBytes(), ...o });
}
