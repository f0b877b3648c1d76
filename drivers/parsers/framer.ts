import type { Framing } from '../contracts/scanner.ts';

/**
 * Byte framing shared by every byte-stream scanner (serial, HID keyboard, HID POS continuation).
 * Hand-written because serialport's parsers are Transform streams that each do one thing; a kiosk
 * needs suffix framing with an inter-byte-timeout fallback, a length cap and a prefix strip in one
 * pure state machine that non-stream transports can feed too.
 *
 * - A payload ends at the suffix, or after `interByteTimeoutMs` of silence (a missing or
 *   misconfigured suffix can never hang a scan).
 * - Over `maxBytes` the payload is emitted as `overflow` and the rest is discarded up to the next
 *   suffix or silence, so 10 kB of garbage is one bad scan, not several.
 * - An empty payload (a lone suffix) is ignored.
 */
export interface FramerOptions {
  suffix: Uint8Array;
  interByteTimeoutMs: number;
  maxBytes: number;
  prefix?: Uint8Array;
  /** Monotonic clock; injected so tests can control it. */
  now?: () => number;
}

export interface Frame {
  bytes: Uint8Array;
  framing: Framing;
  /** `now()` when the last byte of the frame arrived. */
  endedAtMs: number;
}

export class PayloadFramer {
  private readonly suffix: Uint8Array;
  private readonly prefix: Uint8Array;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly onFrame: (frame: Frame) => void;
  private buf: Uint8Array;
  private len = 0;
  private isDiscarding = false;
  private lastByteAtMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: FramerOptions, onFrame: (frame: Frame) => void) {
    if (!(options.interByteTimeoutMs > 0)) throw new TypeError('interByteTimeoutMs must be a positive number');
    if (!(options.maxBytes > 0)) throw new TypeError('maxBytes must be a positive number');
    if (options.suffix.length > 8) throw new TypeError('suffix must be at most 8 bytes');
    this.suffix = options.suffix;
    this.prefix = options.prefix ?? new Uint8Array(0);
    this.timeoutMs = options.interByteTimeoutMs;
    this.maxBytes = options.maxBytes;
    this.now = options.now ?? (() => performance.now());
    this.onFrame = onFrame;
    this.buf = new Uint8Array(Math.min(options.maxBytes + this.suffix.length, 1024));
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.lastByteAtMs = this.now();
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.isDiscarding) {
        this.appendCapped(byte);
        if (this.endsWithSuffix()) {
          this.isDiscarding = false;
          this.len = 0;
        }
        continue;
      }
      this.append(byte);
      if (this.endsWithSuffix()) {
        this.emit(this.len - this.suffix.length, 'suffix');
      } else if (this.len > this.maxBytes) {
        this.emit(this.maxBytes, 'overflow');
        this.isDiscarding = true;
      }
    }
    this.armTimer();
  }

  /** Emits a pending partial payload now (port closing); discards it when `shouldEmit` is false. */
  flush(shouldEmit = true): void {
    this.clearTimer();
    if (shouldEmit && !this.isDiscarding && this.len > 0) this.emit(this.len, 'timeout');
    this.len = 0;
    this.isDiscarding = false;
  }

  /** True while part of a payload is buffered. */
  get hasPending(): boolean {
    return this.len > 0;
  }

  private append(byte: number): void {
    if (this.len === this.buf.length) {
      const grown = new Uint8Array(Math.min(this.buf.length * 2, this.maxBytes + this.suffix.length + 1));
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.len++] = byte;
  }

  /** While discarding, keep only the last suffix-length bytes: enough to spot the next suffix. */
  private appendCapped(byte: number): void {
    const keep = Math.max(this.suffix.length, 1);
    if (this.len >= keep) {
      this.buf.copyWithin(0, this.len - keep + 1, this.len);
      this.len = keep - 1;
    }
    this.buf[this.len++] = byte;
  }

  private endsWithSuffix(): boolean {
    const n = this.suffix.length;
    if (n === 0 || this.len < n) return false;
    for (let k = 0; k < n; k++) {
      if (this.buf[this.len - n + k] !== this.suffix[k]) return false;
    }
    return true;
  }

  private emit(payloadLen: number, framing: Framing): void {
    let start = 0;
    if (this.prefix.length > 0 && payloadLen >= this.prefix.length) {
      let hasPrefix = true;
      for (let k = 0; k < this.prefix.length; k++) {
        if (this.buf[k] !== this.prefix[k]) {
          hasPrefix = false;
          break;
        }
      }
      if (hasPrefix) start = this.prefix.length;
    }
    const bytes = this.buf.slice(start, payloadLen);
    this.len = 0;
    if (bytes.length > 0) this.onFrame({ bytes, framing, endedAtMs: this.lastByteAtMs });
  }

  private armTimer(): void {
    this.clearTimer();
    if (this.len === 0 && !this.isDiscarding) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.isDiscarding) {
        this.isDiscarding = false;
        this.len = 0;
        return;
      }
      if (this.len > 0) this.emit(this.len, 'timeout');
    }, this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

const encoder = new TextEncoder();

/** Config strings ("\r", "CRLF" already resolved by the schema) to bytes. */
export function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}
