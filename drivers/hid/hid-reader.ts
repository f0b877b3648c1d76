import type { DeviceState } from '../contracts/scanner.ts';
import type { HidBackend, HidDeviceInfo, HidHandle } from './hid-backend.ts';

export interface HidReaderOptions {
  backend: HidBackend;
  /** Which attached device to read (a path, or a vendor/usage match). */
  match: (device: HidDeviceInfo) => boolean;
  onOpen?: (device: HidDeviceInfo, handle: HidHandle) => Promise<void>;
  onReport: (report: Uint8Array) => void;
  onState: (state: DeviceState, detail?: string) => void;
  /** How often a missing device is looked for. node-hid has no hot-plug events (docs/hardware.md §1.6),
   * so the bus is enumerated, but only while the device is missing. */
  reopenIntervalMs?: number;
}

/**
 * Reads input reports from one HID device and survives unplugging: a read error means the device
 * is gone (node-hid: "could not read from HID device"), so the handle is closed, the state becomes
 * `disconnected`, and the device is looked for until it is back.
 */
export class HidReader {
  private readonly o: HidReaderOptions;
  private handle: HidHandle | undefined;
  private isStopping = false;
  private loop: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: HidReaderOptions) {
    this.o = options;
  }

  async start(): Promise<void> {
    this.isStopping = false;
    if (!(await this.tryOpen())) {
      this.o.onState('waiting', 'no matching HID device attached');
      this.scheduleReopen();
    }
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
    await this.loop;
  }

  private async tryOpen(): Promise<boolean> {
    let device: HidDeviceInfo | undefined;
    try {
      device = (await this.o.backend.devices()).find(this.o.match);
      if (!device) return false;
      const handle = await this.o.backend.open(device.path);
      await this.o.onOpen?.(device, handle);
      this.handle = handle;
    } catch (err) {
      this.o.onState('waiting', err instanceof Error ? err.message : String(err));
      return false;
    }
    this.o.onState('connected', `${device.path} (${device.product ?? `${hex(device.vendorId)}:${hex(device.productId)}`})`);
    this.loop = this.readLoop(this.handle);
    return true;
  }

  private async readLoop(handle: HidHandle): Promise<void> {
    while (!this.isStopping && this.handle === handle) {
      let report: Uint8Array | undefined;
      try {
        report = await handle.read(250);
      } catch (err) {
        if (this.isStopping) return;
        this.handle = undefined;
        await handle.close().catch(() => undefined);
        this.o.onState('disconnected', err instanceof Error ? err.message : String(err));
        this.scheduleReopen();
        return;
      }
      if (report && report.length > 0) this.o.onReport(report);
    }
  }

  private scheduleReopen(): void {
    if (this.isStopping || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tryOpen().then((ok) => {
        if (!ok) this.scheduleReopen();
      });
    }, this.o.reopenIntervalMs ?? 500);
  }
}

const hex = (n: number) => n.toString(16).padStart(4, '0');
