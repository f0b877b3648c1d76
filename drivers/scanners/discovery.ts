import { SerialPort } from 'serialport';
import type { HidBackend } from '../contracts/hid-backend.ts';
import { BLINK1_PID, BLINK1_VID, DCTTECH_PID, DCTTECH_VID } from '../shared/usb-ids.ts';
import { knownVendor, likelyMode, type ScannerMode } from './known-scanners.ts';

export interface DeviceListing {
  bus: 'hid' | 'serial';
  path: string;
  /** Lower-case hex, 4 digits. */
  vendorId: string | null;
  productId: string | null;
  product: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
  usagePage: number | null;
  /** What the kiosk makes of it. */
  role: 'scanner' | 'relay' | 'indicator' | 'serial-bridge' | 'unknown';
  vendor: string | null;
  /** For scanners: the interface mode this device is in. */
  mode: ScannerMode | null;
}

export type SerialLister = () => Promise<Array<{ path: string; vendorId?: string | undefined; productId?: string | undefined; manufacturer?: string | undefined; serialNumber?: string | undefined }>>;

export const listSerialPorts: SerialLister = () => SerialPort.list();

const hex = (n: number) => n.toString(16).padStart(4, '0');

/**
 * HID interfaces and serial ports, USB ones only unless `isAll` (a PTY or a built-in UART is no
 * device a technician plugged in). Known scanners, relay boards and indicators are marked.
 * `SerialPort.list()` never lists PTYs (docs/hardware.md §1.4).
 */
export async function discoverDevices(options: { hid: HidBackend; listSerial?: SerialLister; isAll?: boolean }): Promise<{ devices: DeviceListing[]; errors: string[] }> {
  const errors: string[] = [];
  const devices: DeviceListing[] = [];
  try {
    for (const d of await options.hid.devices()) {
      const known = knownVendor(d.vendorId);
      const isRelay = d.vendorId === DCTTECH_VID && d.productId === DCTTECH_PID;
      const isLamp = d.vendorId === BLINK1_VID && d.productId === BLINK1_PID;
      const mode = likelyMode(d);
      const isScanner = !isRelay && !isLamp && (known !== undefined || d.usagePage === 0x8c);
      devices.push({
        bus: 'hid',
        path: d.path,
        vendorId: hex(d.vendorId),
        productId: hex(d.productId),
        product: d.product ?? null,
        manufacturer: d.manufacturer ?? null,
        serialNumber: d.serialNumber ?? null,
        usagePage: d.usagePage ?? null,
        role: isRelay ? 'relay' : isLamp ? 'indicator' : isScanner ? 'scanner' : 'unknown',
        vendor: known?.vendor ?? (isRelay ? 'dcttech USB HID relay' : isLamp ? 'blink(1)' : null),
        mode: isScanner ? mode : null,
      });
    }
  } catch (err) {
    errors.push(`HID: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    for (const p of await (options.listSerial ?? listSerialPorts)()) {
      if (!p.vendorId && !options.isAll) continue;
      const vid = p.vendorId ? Number.parseInt(p.vendorId, 16) : undefined;
      const known = vid === undefined ? undefined : knownVendor(vid);
      const isBridge = p.vendorId?.toLowerCase() === '1a86' && p.productId?.toLowerCase() === '7523';
      devices.push({
        bus: 'serial',
        path: p.path,
        vendorId: p.vendorId?.toLowerCase() ?? null,
        productId: p.productId?.toLowerCase() ?? null,
        product: null,
        manufacturer: p.manufacturer ?? null,
        serialNumber: p.serialNumber ?? null,
        usagePage: null,
        // A CH340 is an LCUS relay board, a tower light, or a bridge-chip scanner: the port cannot tell.
        role: known ? 'scanner' : isBridge ? 'serial-bridge' : 'unknown',
        vendor: known?.vendor ?? (isBridge ? 'CH340 bridge (LCUS relay, tower light or scanner)' : null),
        mode: known ? 'serial' : null,
      });
    }
  } catch (err) {
    errors.push(`serial: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { devices, errors };
}
