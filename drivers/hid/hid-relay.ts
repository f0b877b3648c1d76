import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';
import type { HidBackend, HidDeviceInfo, HidHandle } from './hid-backend.ts';
import { DCTTECH_PID, DCTTECH_VID } from '../shared/usb-ids.ts';

/**
 * dcttech "USBRelayN" boards (16c0:05df, V-USB): every command is a feature report, report id 0,
 * 8 data bytes: FF n = relay n on, FD n = off (docs/hardware.md §2.2). GET_REPORT returns the 5-character
 * board id and the relay bitmask, read back after every switch as the reference library does.
 */
export { DCTTECH_PID, DCTTECH_VID };

export function dcttechCommand(channel: number, isOn: boolean): Uint8Array {
  return Uint8Array.of(0x00, isOn ? 0xff : 0xfd, channel, 0, 0, 0, 0, 0, 0);
}

/** Relay count from the product string ("USBRelay2"); undefined when the firmware does not say. */
export function dcttechRelayCount(info: HidDeviceInfo): number | undefined {
  const m = /USBRelay(\d)/.exec(info.product ?? '');
  return m ? Number(m[1]) : undefined;
}

export interface HidRelayOptions {
  backend: HidBackend;
  channel: number;
  /** hidraw path; when absent the board is found by id, or the first board is used. */
  path?: string;
  boardId?: string;
  /** Config path of this output, for errors a technician can act on (`gate`, `indicator.green`). */
  field: string;
}

export class HidRelay implements Relay {
  readonly id: string;
  private readonly o: HidRelayOptions;
  private handle: HidHandle | undefined;

  constructor(options: HidRelayOptions) {
    this.o = options;
    this.id = `hid-relay:${options.path ?? options.boardId ?? 'first'}#${options.channel}`;
  }

  async start(): Promise<void> {
    const boards = (await this.o.backend.devices()).filter((d) => d.vendorId === DCTTECH_VID && d.productId === DCTTECH_PID);
    let chosen: HidDeviceInfo | undefined;
    for (const board of boards) {
      if (this.o.path !== undefined && board.path !== this.o.path) continue;
      if (this.o.boardId !== undefined) {
        const h = await this.o.backend.open(board.path);
        const id = await readBoardId(h);
        if (id !== this.o.boardId) {
          await h.close();
          continue;
        }
        this.handle = h;
      }
      chosen = board;
      break;
    }
    if (!chosen) {
      throw new KioskError('relay-open-failed', `${this.o.field}: no USB HID relay board (16c0:05df)${this.o.path ? ` at ${this.o.path}` : ''}${this.o.boardId ? ` with id ${this.o.boardId}` : ''} found (check \`kiosk devices\` and the udev rule for hidraw)`, {
        details: { field: `${this.o.field}.path` },
      });
    }
    const relays = dcttechRelayCount(chosen);
    if (relays !== undefined && this.o.channel > relays) {
      throw new KioskError('config-invalid', `${this.o.field}.channel: board ${chosen.product ?? ''} has ${relays} relay(s), channel ${this.o.channel} does not exist`, {
        details: { field: `${this.o.field}.channel` },
      });
    }
    this.handle ??= await this.o.backend.open(chosen.path);
    await this.safe();
  }

  async set(isOn: boolean): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new KioskError('relay-disconnected', `${this.id}: not open`);
    try {
      await handle.sendFeatureReport(dcttechCommand(this.o.channel, isOn));
    } catch (err) {
      this.handle = undefined;
      throw new KioskError('relay-disconnected', `${this.id}: board unplugged? (${String(err)})`, { cause: err });
    }
    const state = await this.readState();
    if (state !== isOn) throw new KioskError('relay-write-failed', `${this.id}: read-back says ${state ? 'on' : 'off'} after switching ${isOn ? 'on' : 'off'}`);
  }

  async safe(): Promise<void> {
    await this.set(false);
  }

  async readState(): Promise<boolean | undefined> {
    if (!this.handle) return undefined;
    const report = await this.handle.getFeatureReport(0, 9);
    const mask = report[8] ?? 0;
    return (mask & (1 << (this.o.channel - 1))) !== 0;
  }

  async stop(): Promise<void> {
    try {
      if (this.handle) await this.safe();
    } finally {
      await this.handle?.close();
      this.handle = undefined;
    }
  }
}

async function readBoardId(handle: HidHandle): Promise<string> {
  const report = await handle.getFeatureReport(0, 9);
  return new TextDecoder('latin1').decode(report.subarray(1, 6));
}
