import type { RawScan, Scanner, ScannerHandlers } from '../contracts/scanner.ts';
import { decodePosReport, HONEYWELL_64, layoutFromDescriptor, POS_PAGE, type PosLayout } from '../parsers/hid-pos.ts';
import type { HidBackend, HidDeviceInfo } from './hid-backend.ts';
import { HidReader } from './hid-reader.ts';

export interface HidPosScannerOptions {
  backend: HidBackend;
  /** hidraw path; default: the first device with a POS (0x8C) interface. */
  path?: string;
  /** A payload whose "continued" report never comes is closed after this much silence. */
  interReportTimeoutMs?: number;
  maxPayloadBytes?: number;
}

/**
 * A scanner in HID POS mode (usage page 0x8C). The layout comes from the device's report descriptor
 * where possible, else the common 64-byte layout. Payloads spanning several reports are joined;
 * bytes stay bytes (UTF-8 decoding happens in the payload layer), which is why a Vietnamese name
 * arrives intact in this mode.
 */
export class HidPosScanner implements Scanner {
  readonly id: string;
  private readonly o: HidPosScannerOptions;
  private reader: HidReader | undefined;
  private layout: PosLayout = HONEYWELL_64;
  private parts: Uint8Array[] = [];
  private size = 0;
  private symbology: string | undefined;
  private isCorrupt = false;
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: HidPosScannerOptions) {
    this.o = options;
    this.id = `hid-pos:${options.path ?? 'auto'}`;
  }

  /** Which layout is in use (for `kiosk devices` and the technician screen). */
  get layoutSource(): PosLayout['source'] {
    return this.layout.source;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    const match = (d: HidDeviceInfo) => (this.o.path !== undefined ? d.path === this.o.path : d.usagePage === POS_PAGE);
    this.reader = new HidReader({
      backend: this.o.backend,
      match,
      onOpen: async (device) => {
        const descriptor = await this.o.backend.reportDescriptor(device.path);
        this.layout = (descriptor && layoutFromDescriptor(descriptor)) ?? HONEYWELL_64;
      },
      onReport: (report) => this.onReport(report, handlers),
      onState: (state, detail) => {
        if (state !== 'connected') this.reset();
        handlers.onState?.(state, detail);
      },
    });
    await this.reader.start();
  }

  async stop(): Promise<void> {
    this.reset();
    await this.reader?.stop();
  }

  private onReport(report: Uint8Array, handlers: ScannerHandlers): void {
    const chunk = decodePosReport(report, this.layout);
    if (!chunk) return;
    this.lastAt = performance.now();
    if (this.size === 0) this.symbology = chunk.symbology;
    if (chunk.isCorrupt) this.isCorrupt = true;
    if (this.size + chunk.data.length <= (this.o.maxPayloadBytes ?? 8192)) {
      this.parts.push(chunk.data);
      this.size += chunk.data.length;
    } else {
      this.isCorrupt = true;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (chunk.isContinued) {
      this.timer = setTimeout(() => this.emit(handlers, 'timeout'), this.o.interReportTimeoutMs ?? 200);
      return;
    }
    this.emit(handlers, this.isCorrupt ? 'corrupt' : 'report');
  }

  private emit(handlers: ScannerHandlers, framing: RawScan['framing']): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const bytes = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const symbology = this.symbology;
    this.reset();
    if (bytes.length === 0 && framing === 'report') return;
    handlers.onScan({ bytes, source: this.id, monoMs: this.lastAt, framing, ...(symbology ? { symbology } : {}) });
  }

  private reset(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.parts = [];
    this.size = 0;
    this.symbology = undefined;
    this.isCorrupt = false;
  }
}
