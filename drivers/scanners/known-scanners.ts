/**
 * USB vendor/product ids of scanners kiosk builders fit, with the interface mode each PID means.
 * PIDs change with the mode set by configuration barcodes, so a vendor id plus the interface
 * (usage page 0x8C, keyboard, tty) decides the mode, and the PID only confirms it.
 * Sources: usb.ids 2025.07.26 (linux-usb.org/usb.ids); Zebra MS4407 guide (via
 * Dar-Ko/babylonlib UsbVid05E0.h); NielsLeenheer/WebHidBarcodeScanner for Youjie; docs/hardware.md §1.5.
 */
export type ScannerMode = 'hid-pos' | 'keyboard' | 'serial' | 'unknown';

export interface KnownVendor {
  vendorId: number;
  vendor: string;
  /** PID → mode, where a source names it. */
  products: ReadonlyMap<number, { name: string; mode: ScannerMode }>;
}

const p = (entries: Array<[number, string, ScannerMode]>) => new Map(entries.map(([pid, name, mode]) => [pid, { name, mode }]));

export const KNOWN_SCANNER_VENDORS: readonly KnownVendor[] = [
  {
    vendorId: 0x0c2e,
    vendor: 'Honeywell (Metrologic)',
    products: p([
      [0x0204, 'MS7120 (keyboard)', 'keyboard'],
      [0x0700, 'serial mode', 'serial'],
      [0x0720, 'serial mode', 'serial'],
      [0x0b81, 'Voyager 1400g', 'unknown'],
    ]),
  },
  { vendorId: 0x0536, vendor: 'Hand Held Products (Honeywell)', products: p([[0x01ca, 'IT4800', 'unknown']]) },
  {
    vendorId: 0x05e0,
    vendor: 'Zebra / Symbol',
    products: p([
      [0x1200, 'HID keyboard', 'keyboard'],
      [0x1701, 'CDC serial', 'serial'],
      [0x1900, 'SNAPI', 'unknown'],
      [0x0600, 'COM port emulation', 'serial'],
    ]),
  },
  {
    vendorId: 0x05f9,
    vendor: 'Datalogic',
    products: p([
      [0x2206, 'Gryphon (keyboard)', 'keyboard'],
      [0x4204, 'Gryphon (RS-232 emulation)', 'serial'],
    ]),
  },
  {
    vendorId: 0x1eab,
    vendor: 'Newland',
    products: p([
      [0x1303, 'EM30xx (keyboard)', 'keyboard'],
      [0x1306, 'EM30xx (CDC serial)', 'serial'],
      [0x1310, 'EM30xx (HID POS)', 'hid-pos'],
      [0x1d03, 'FM430 (keyboard)', 'keyboard'],
      [0x1d06, 'FM430 (CDC serial)', 'serial'],
      [0x1d10, 'FM430 (HID POS)', 'hid-pos'],
    ]),
  },
  {
    vendorId: 0x065a,
    vendor: 'Opticon',
    products: p([
      [0x0001, 'keyboard mode', 'keyboard'],
      [0x0009, 'serial mode', 'serial'],
    ]),
  },
  { vendorId: 0x23d0, vendor: 'Youjie', products: p([]) },
];

export function knownVendor(vendorId: number): KnownVendor | undefined {
  return KNOWN_SCANNER_VENDORS.find((v) => v.vendorId === vendorId);
}

/** The likely mode of an attached device from its interface, its PID as a hint. */
export function likelyMode(device: { vendorId: number; productId: number; usagePage?: number; usage?: number; isSerial?: boolean }): ScannerMode {
  if (device.isSerial) return 'serial';
  if (device.usagePage === 0x8c) return 'hid-pos';
  if (device.usagePage === 0x01 && device.usage === 0x06) return 'keyboard';
  return knownVendor(device.vendorId)?.products.get(device.productId)?.mode ?? 'unknown';
}
