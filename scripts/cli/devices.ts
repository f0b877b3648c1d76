import { nodeHidBackend } from '../../drivers/hid/hid-backend.ts';
import { discoverDevices } from '../../drivers/scanners/discovery.ts';
import { printJson } from './output.ts';

/** `kiosk devices [--json] [--all]`: HID interfaces and USB serial ports, known ones marked. */
export async function devicesCommand(options: { json?: boolean; all?: boolean }): Promise<void> {
  const { devices, errors } = await discoverDevices({ hid: nodeHidBackend, isAll: options.all === true });
  for (const e of errors) process.stderr.write(`kiosk devices: ${e}\n`);
  if (options.json) {
    printJson(devices);
    return;
  }
  if (devices.length === 0) {
    process.stdout.write('no USB HID or serial devices found (is the scanner plugged in? for HID devices: udev rules, docs/deploy.md)\n');
    return;
  }
  for (const d of devices) {
    const ids = d.vendorId ? `${d.vendorId}:${d.productId}` : '----:----';
    const what = d.role === 'scanner' ? `scanner, ${d.mode} mode` : d.role;
    process.stdout.write(`${d.bus.padEnd(6)} ${d.path.padEnd(22)} ${ids}  ${(d.vendor ?? d.manufacturer ?? '').padEnd(34)} ${what}${d.product ? `  (${d.product})` : ''}\n`);
  }
}
