import { SerialPort } from 'serialport';
import { KioskError, type ErrorCode } from '../../common/errors.ts';

/** Opens a serial port and resolves once it is open; the error names the path and the fix. */
export function openSerialPort(path: string, baudRate: number, failCode: ErrorCode): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((err) => {
      if (err) {
        reject(
          new KioskError(failCode, `cannot open ${path}: ${err.message}${hintFor(err.message)}`, {
            cause: err,
            details: { path },
          }),
        );
        return;
      }
      resolve(port);
    });
  });
}

function hintFor(message: string): string {
  if (/ENOENT|No such file/i.test(message)) return ' (is the device plugged in? check `kiosk devices`)';
  if (/EACCES|Permission denied/i.test(message)) return ' (add the kiosk user to group dialout, see build/udev)';
  if (/Cannot lock port|Resource temporarily unavailable/i.test(message)) return ' (another program holds the port)';
  return '';
}

/** Writes and waits until the bytes have left the process (tcdrain), so "written" means written. */
export function writeAndDrain(port: SerialPort, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (writeErr) => {
      if (writeErr) {
        reject(writeErr);
        return;
      }
      port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
    });
  });
}

export function closeSerialPort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    // A close error means the device is already gone, which is the state close() wants.
    port.close(() => resolve());
  });
}
