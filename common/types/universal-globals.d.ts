/**
 * The globals that exist in every runtime the kiosk uses (Node, Chromium window, Web Worker),
 * declared for `tsconfig.pure.json`, which compiles the pure layers without Node or DOM types.
 * Anything not declared here is a compile error there: that is the point.
 */
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function setInterval(handler: () => void, ms?: number): unknown;
declare function clearInterval(id: unknown): void;
declare function queueMicrotask(callback: () => void): void;
declare const performance: { now(): number };

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class URL {
  constructor(url: string, base?: string);
  readonly hostname: string;
  readonly protocol: string;
  readonly pathname: string;
}
