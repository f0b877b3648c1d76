import type { DeviceState, Scanner, ScannerHandlers } from '../contracts/scanner.ts';
import type { HidBackend } from '../contracts/hid-backend.ts';
import { discoverDevices, type DeviceListing, type SerialLister } from './discovery.ts';

export interface AutoScannerOptions {
  hid: HidBackend;
  listSerial?: SerialLister;
  /**
   * Builds the driver for the device picked and its mode. Passed in by drivers/create.ts, the one
   * file that knows every adapter: an adapter never imports another (docs/architecture.md).
   */
  open(device: DeviceListing & { mode: 'hid-pos' | 'serial' | 'keyboard' }): Scanner;
  /** How often to look for a scanner while none is attached. */
  pollMs?: number;
}

const PREFERENCE: Record<string, number> = { 'hid-pos': 0, serial: 1, keyboard: 2, unknown: 3 };

/**
 * `scanner.kind: "auto"`: picks the first known scanner attached, preferring modes that carry
 * UTF-8 intact (HID POS, then serial, then keyboard), says which one and in what mode, and waits
 * (saying so) while none is attached.
 */
export class AutoScanner implements Scanner {
  readonly id = 'auto';
  private readonly o: AutoScannerOptions;
  private delegate: Scanner | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private isStopping = false;
  /** The device chosen, for `kiosk devices` and the technician screen. */
  chosen: DeviceListing | undefined;

  constructor(options: AutoScannerOptions) {
    this.o = options;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    this.isStopping = false;
    if (!(await this.tryPick(handlers))) {
      handlers.onState?.('waiting', 'no known scanner attached: plug one in (kiosk devices lists what is seen)');
      this.schedule(handlers);
    }
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.delegate?.stop();
  }

  private async tryPick(handlers: ScannerHandlers): Promise<boolean> {
    const { devices } = await discoverDevices({ hid: this.o.hid, ...(this.o.listSerial ? { listSerial: this.o.listSerial } : {}) });
    const scanners = devices.filter((d) => d.role === 'scanner' && d.mode !== 'unknown').sort((a, b) => (PREFERENCE[a.mode ?? 'unknown'] ?? 3) - (PREFERENCE[b.mode ?? 'unknown'] ?? 3));
    const pick = scanners[0];
    if (!pick || this.isStopping) return false;
    this.chosen = pick;
    this.delegate = this.o.open({ ...pick, mode: pick.mode === 'hid-pos' || pick.mode === 'serial' ? pick.mode : 'keyboard' });
    const label = `${pick.vendor ?? 'scanner'} ${pick.vendorId}:${pick.productId} at ${pick.path} in ${pick.mode} mode${pick.mode === 'keyboard' ? ' (cannot carry Vietnamese names: switch it to HID POS or serial)' : ''}`;
    await this.delegate.start({
      ...handlers,
      onState: (state: DeviceState, detail?: string) => handlers.onState?.(state, state === 'connected' ? label : detail),
    });
    return true;
  }

  private schedule(handlers: ScannerHandlers): void {
    this.timer = setTimeout(() => {
      void this.tryPick(handlers).then(
        (ok) => {
          if (!ok && !this.isStopping) this.schedule(handlers);
        },
        () => this.schedule(handlers),
      );
    }, this.o.pollMs ?? 1000);
  }
}
