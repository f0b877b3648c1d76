import type { SerialPort } from 'serialport';
import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';
import { closeSerialPort, openSerialPort, writeAndDrain } from './port.ts';

/**
 * CH340 "LCUS" USB serial relay boards (1/2/4/8 channels, 1a86:7523, 9600 8N1).
 * Frame: A0, channel (1-based), 00 off / 01 on, checksum = low byte of the sum of the first three
 * (hardware.md §2.1). Channel 1 on = A0 01 01 A2, off = A0 01 00 A1.
 */
export function lcusFrame(channel: number, isOn: boolean): Uint8Array {
  if (!Number.isInteger(channel) || channel < 1 || channel > 8) {
    throw new RangeError(`LCUS channel must be 1-8, got ${channel}`);
  }
  const state = isOn ? 0x01 : 0x00;
  return Uint8Array.of(0xa0, channel, state, (0xa0 + channel + state) & 0xff);
}

export interface LcusRelayOptions {
  path: string;
  baudRate: number;
  channel: number;
}

export class LcusRelay implements Relay {
  readonly id: string;
  private readonly options: LcusRelayOptions;
  private port: SerialPort | undefined;

  constructor(options: LcusRelayOptions) {
    this.options = options;
    this.id = `lcus:${options.path}#${options.channel}`;
  }

  async start(): Promise<void> {
    this.port = await openSerialPort(this.options.path, this.options.baudRate, 'relay-open-failed');
    this.port.on('close', () => {
      this.port = undefined;
    });
    // An error event without a listener would throw; the next write reports the loss.
    this.port.on('error', () => undefined);
    await this.safe();
  }

  async set(isOn: boolean): Promise<void> {
    const port = await this.ensureOpen();
    try {
      await writeAndDrain(port, lcusFrame(this.options.channel, isOn));
    } catch (err) {
      this.port = undefined;
      throw new KioskError('relay-write-failed', `${this.id}: write failed: ${String(err)}`, {
        cause: err,
        details: { path: this.options.path },
      });
    }
  }

  async safe(): Promise<void> {
    await this.set(false);
  }

  async stop(): Promise<void> {
    try {
      if (this.port) await this.safe();
    } finally {
      const port = this.port;
      this.port = undefined;
      if (port) await closeSerialPort(port);
    }
  }

  private async ensureOpen(): Promise<SerialPort> {
    if (this.port?.isOpen) return this.port;
    try {
      this.port = await openSerialPort(this.options.path, this.options.baudRate, 'relay-open-failed');
      this.port.on('error', () => undefined);
      return this.port;
    } catch (err) {
      throw new KioskError('relay-disconnected', `${this.id}: relay board not reachable`, { cause: err });
    }
  }
}
