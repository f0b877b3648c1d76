import type { HidBackend, HidDeviceInfo, HidHandle } from '../contracts/hid-backend.ts';

/**
 * A HID bus for tests: devices appear and vanish, every feature report and write is recorded,
 * input reports are queued by the test, and a device can emulate a firmware (`onFeature`).
 */
export class FakeHidDevice implements HidHandle {
  readonly info: HidDeviceInfo;
  readonly featureReports: Uint8Array[] = [];
  readonly writes: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private waiting: ((r: Uint8Array | undefined) => void) | undefined;
  isGone = false;
  isOpen = false;
  /** Firmware emulation: called for each feature report sent. */
  onFeature: ((data: Uint8Array) => void) | undefined;
  /** What sysfs would give as the report descriptor. */
  descriptor: Uint8Array | undefined;
  /** Firmware emulation: answers GET_REPORT. */
  featureAnswer: ((reportId: number, length: number) => Uint8Array) | undefined;

  constructor(info: Partial<HidDeviceInfo> & { path: string }) {
    this.info = { vendorId: 0, productId: 0, interface: 0, ...info };
  }

  async sendFeatureReport(data: Uint8Array): Promise<number> {
    this.check();
    this.featureReports.push(Uint8Array.from(data));
    this.onFeature?.(data);
    return data.length;
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    this.check();
    return this.featureAnswer?.(reportId, length) ?? new Uint8Array(length);
  }

  async write(data: Uint8Array): Promise<number> {
    this.check();
    this.writes.push(Uint8Array.from(data));
    return data.length;
  }

  read(timeoutMs: number): Promise<Uint8Array | undefined> {
    if (this.isGone) return Promise.reject(new Error('could not read from HID device'));
    const next = this.inputs.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(r);
      };
    });
  }

  async close(): Promise<void> {
    this.isOpen = false;
    this.waiting?.(undefined);
  }

  /** Queues an input report as the device would send it. */
  input(report: Uint8Array): void {
    if (this.waiting) this.waiting(report);
    else this.inputs.push(report);
  }

  private check(): void {
    if (this.isGone) throw new Error('HID device disconnected');
  }
}

export class FakeHidBackend implements HidBackend {
  readonly attached = new Map<string, FakeHidDevice>();

  attach<T extends FakeHidDevice>(device: T): T {
    device.isGone = false;
    this.attached.set(device.info.path, device);
    return device;
  }

  /** Unplug: reads reject, writes throw, the device leaves the list. */
  detach(path: string): void {
    const d = this.attached.get(path);
    if (!d) return;
    d.isGone = true;
    d.input(new Uint8Array(0));
    this.attached.delete(path);
  }

  async devices(): Promise<HidDeviceInfo[]> {
    return [...this.attached.values()].map((d) => d.info);
  }

  async reportDescriptor(path: string): Promise<Uint8Array | undefined> {
    return this.attached.get(path)?.descriptor;
  }

  async open(path: string): Promise<HidHandle> {
    const d = this.attached.get(path);
    if (!d) throw new Error(`cannot open device with path ${path}`);
    d.isOpen = true;
    return d;
  }
}

/** A dcttech USBRelayN board (16c0:05df): feature reports switch relays; GET_REPORT reads id and state. */
export function fakeDcttechRelay(path: string, relays: 1 | 2 | 4 | 8, boardId = 'ABCDE'): FakeHidDevice & { state: () => number } {
  const d = new FakeHidDevice({ path, vendorId: 0x16c0, productId: 0x05df, product: `USBRelay${relays}`, manufacturer: 'www.dcttech.com' });
  let mask = 0;
  d.onFeature = (data) => {
    const [, cmd, n] = data;
    if (cmd === 0xff && n !== undefined && n >= 1 && n <= relays) mask |= 1 << (n - 1);
    if (cmd === 0xfd && n !== undefined && n >= 1 && n <= relays) mask &= ~(1 << (n - 1));
    if (cmd === 0xfe) mask = (1 << relays) - 1;
    if (cmd === 0xfc) mask = 0;
  };
  d.featureAnswer = (_id, length) => {
    const out = new Uint8Array(length);
    out.set(new TextEncoder().encode(boardId.slice(0, 5)), 1);
    out[8] = mask;
    return out;
  };
  return Object.assign(d, { state: () => mask });
}
