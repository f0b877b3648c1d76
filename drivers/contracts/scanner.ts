/**
 * Scanner contract. Implementations: serial (CDC-ACM / bridge), stdin, fake; HID ones plug in here too.
 *
 * Obligations:
 * - `start` resolves once the device is open, or once the driver is waiting for it to appear
 *   (hot-plug); state changes are reported through `onState`, never thrown after `start` resolved.
 * - `onScan` is called once per framed payload, in arrival order, never before `start` is called and
 *   never after `stop` resolved. Framing (suffix, inter-byte timeout, prefix strip) happens in the driver;
 *   bytes stay bytes: text decoding belongs to the payload layer.
 * - A read error means the device disconnected: report `disconnected`, keep retrying until `stop`.
 * - `stop` resolves once the port or handle is released; buffered partial payloads are discarded.
 */
export interface Scanner {
  /** Stable name for events and records, e.g. `serial:/dev/ttyACM0` or `fake`. */
  readonly id: string;
  start(handlers: ScannerHandlers): Promise<void>;
  stop(): Promise<void>;
}

export interface ScannerHandlers {
  onScan(scan: RawScan): void;
  onState?(state: DeviceState, detail?: string): void;
  /** The input ended for good (stdin closed); hardware scanners never call it. */
  onEnd?(): void;
}

export type DeviceState = 'connected' | 'disconnected' | 'waiting';

/** How a payload's end was found. */
/** `corrupt`: the transport delivered a malformed frame (e.g. a HID report whose count exceeds it). */
export type Framing = 'suffix' | 'timeout' | 'overflow' | 'line' | 'report' | 'injected' | 'corrupt';

export interface RawScan {
  /** Payload bytes, suffix and configured prefix removed. */
  bytes: Uint8Array;
  /** The scanner's id. */
  source: string;
  /** `performance.now()` when the payload's last byte arrived: the start of every latency figure. */
  monoMs: number;
  framing: Framing;
  /** AIM symbology identifier when the transport reports one (`]Q1` = QR). */
  symbology?: string;
  /**
   * True when the transport can only deliver ASCII (keyboard wedge): a payload that needed other
   * characters arrived mangled, and the payload layer reports `scanner-mode-ascii`.
   */
  isAsciiOnly?: boolean;
  /** Key presses of this payload that produced no character (keyboard wedge). */
  lostChars?: number;
}
