import { readFile } from 'node:fs/promises';
import type * as NodeHidModule from 'node-hid';
import { KioskError } from '../../common/errors.ts';
import type { HidBackend, HidDeviceInfo, HidHandle } from '../contracts/hid-backend.ts';

export type { HidBackend, HidDeviceInfo, HidHandle };

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
