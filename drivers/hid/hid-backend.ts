import { readFile } from 'node:fs/promises';
import type * as NodeHidModule from 'node-hid';
import { KioskError } from '../../common/errors.ts';

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

type NodeHid = typeof NodeHidModule;

let nodeHid: Promise<NodeHid> | undefined;

function loadNodeHid(): Promise<NodeHid> {
  nodeHid ??= import('node-hid').then(
    (m) => m,
    (err: unknown) => {
      nodeHid = undefined;
      const message = err instanceof Error ? err.message : String(err);
      throw new KioskError(
        'device-missing',
        /libusb/.test(message) ? 'node-hid needs libusb-1.0 (Debian: apt-get install libusb-1.0-0)' : `node-hid failed to load: ${message}`,
        { cause: err },
      );
    },
  );
  return nodeHid;
}

/** The real backend: node-hid's async API (hidraw on Linux). */
export const nodeHidBackend: HidBackend = {
  async devices() {
    const hid = await loadNodeHid();
    return (await hid.devicesAsync())
      .filter((d): d is typeof d & { path: string } => typeof d.path === 'string')
      .map((d) => ({
        path: d.path,
        vendorId: d.vendorId,
        productId: d.productId,
        interface: d.interface,
        ...(d.product ? { product: d.product } : {}),
        ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}),
        ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}),
        ...(d.usagePage !== undefined ? { usagePage: d.usagePage } : {}),
        ...(d.usage !== undefined ? { usage: d.usage } : {}),
      }));
  },
  async open(path) {
    const hid = await loadNodeHid();
    const device = await hid.HIDAsync.open(path);
    return {
      sendFeatureReport: (data) => device.sendFeatureReport(Buffer.from(data)),
      getFeatureReport: async (id, length) => new Uint8Array(await device.getFeatureReport(id, length)),
      write: (data) => device.write(Buffer.from(data)),
      read: async (timeoutMs) => {
        const b = await device.read(timeoutMs);
        return b === undefined || b.length === 0 ? undefined : new Uint8Array(b);
      },
      close: () => device.close(),
    };
  },
  async reportDescriptor(path) {
    const m = /hidraw(\d+)$/.exec(path);
    if (!m) return undefined;
    try {
      return new Uint8Array(await readFile(`/sys/class/hidraw/hidraw${m[1]}/device/report_descriptor`));
    } catch {
      return undefined;
    }
  },
};
