/**
 * The slice of node-hid the drivers use, so every HID driver runs against a fake in tests and the
 * native module loads only when a HID device is configured (it needs libusb-1.0 at runtime).
 */
export interface HidDeviceInfo {
  path: string;
  vendorId: number;
  productId: number;
  product?: string;
  manufacturer?: string;
  serialNumber?: string;
  usagePage?: number;
  usage?: number;
  interface: number;
}

export interface HidHandle {
  /** Feature report with the report id as its first byte (node-hid convention). */
  sendFeatureReport(data: Uint8Array): Promise<number>;
  getFeatureReport(reportId: number, length: number): Promise<Uint8Array>;
  write(data: Uint8Array): Promise<number>;
  /** Resolves with one input report, or undefined after `timeoutMs`; rejects when the device is gone. */
  read(timeoutMs: number): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

export interface HidBackend {
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidHandle>;
  /** The device's report descriptor (unprivileged, from sysfs on Linux); undefined when unavailable. */
  reportDescriptor(path: string): Promise<Uint8Array | undefined>;
}
