import type { Scanner, ScannerHandlers } from '../contracts/scanner.ts';
import { PayloadFramer } from '../parsers/framer.ts';
import { KeyboardDecoder } from '../parsers/keyboard.ts';
import type { HidBackend, HidDeviceInfo } from './hid-backend.ts';
import { HidReader } from './hid-reader.ts';

export interface HidKeyboardScannerOptions {
  backend: HidBackend;
  /** hidraw path of the scanner's keyboard interface; default: the first keyboard interface of `vendorId`. */
  path?: string;
  vendorId?: number;
  suffix: Uint8Array;
  interByteTimeoutMs: number;
  maxPayloadBytes: number;
}

/**
 * A keyboard-wedge scanner read as raw boot-keyboard reports from hidraw (US layout applied here,
 * not by the desktop). The udev rule in build/udev hides the device from libinput so its
 * keystrokes never reach the kiosk window. Every scan is marked ASCII-only: this mode cannot carry
 * a Vietnamese name, and the payload layer says so (`scanner-mode-ascii`).
 */
export class HidKeyboardScanner implements Scanner {
  readonly id: string;
  private readonly o: HidKeyboardScannerOptions;
  private reader: HidReader | undefined;
  private framer: PayloadFramer | undefined;
  private decoder = new KeyboardDecoder();
  private lostInPayload = 0;

  constructor(options: HidKeyboardScannerOptions) {
    this.o = options;
    this.id = `hid-keyboard:${options.path ?? options.vendorId?.toString(16) ?? 'auto'}`;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    this.framer = new PayloadFramer(
      { suffix: this.o.suffix, interByteTimeoutMs: this.o.interByteTimeoutMs, maxBytes: this.o.maxPayloadBytes },
      (frame) => {
        const lost = this.lostInPayload;
        this.lostInPayload = 0;
        handlers.onScan({ bytes: frame.bytes, source: this.id, monoMs: frame.endedAtMs, framing: frame.framing, isAsciiOnly: true, ...(lost > 0 ? { lostChars: lost } : {}) });
      },
    );
    const match = (d: HidDeviceInfo) =>
      this.o.path !== undefined ? d.path === this.o.path : d.usagePage === 0x01 && d.usage === 0x06 && (this.o.vendorId === undefined || d.vendorId === this.o.vendorId);
    this.reader = new HidReader({
      backend: this.o.backend,
      match,
      onOpen: async () => {
        this.decoder = new KeyboardDecoder();
      },
      onReport: (report) => {
        // 9-byte reports carry a report id first (docs/hardware.md §1.2).
        const text = this.decoder.push(report.length === 9 ? report.subarray(1) : report);
        this.lostInPayload += this.decoder.takeLost();
        if (text.length > 0) this.framer?.push(new TextEncoder().encode(text));
      },
      onState: (state, detail) => handlers.onState?.(state, detail),
    });
    await this.reader.start();
  }

  async stop(): Promise<void> {
    this.framer?.flush(false);
    await this.reader?.stop();
  }
}
