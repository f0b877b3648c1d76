import type { SerialPort } from 'serialport';
import { KioskError } from '../../common/errors.ts';
import type { Relay } from '../contracts/relay.ts';
import { closeSerialPort, openSerialPort, writeAndDrain } from './port.ts';

/**
 * CH340 "LCUS" USB serial relay boards (1/2/4/8 channels, 1a86:7523, 9600 8N1).
 * Frame: A0, channel (1-based), 00 off / 01 on, checksum = low byte of the sum of the first three
 * (docs/hardware.md §2.1). Channel 1 on = A0 01 01 A2, off = A0 01 00 A1.
 */
export function lcusFrame(channel: number, isOn: boolean): Uint8Array {
  if (!Number.isInteger(channel) || channel < 1 || channel > 8) {
    throw new RangeError(`LCUS channel must be 1-8, got ${channel}`);
  }
  const state = isOn ? 0x01 : 0x00;
  return Uint8Array.of(0xa0, channel, state, (0xa0 + channel + state) & 0xff);
}

/** The LCUS-4 status answer to `FF`: lines `CH1: OFF` … → channel → on. */
export function parseLcusStatus(text: string): Map<number, boolean> {
  const states = new Map<number, boolean>();
  for (const m of text.matchAll(/CH(\d):\s*(ON|OFF)/gi)) states.set(Number(m[1]), (m[2] as string).toUpperCase() === 'ON');
  return states;
}

export interface LcusRelayOptions {
  path: string;
  baudRate: number;
  channel: number;
  /** Firmware answers `FF` with the channel states (LCUS-4); others answer nothing. */
  hasStatusQuery?: boolean;
  /** How long to wait for the status answer. */
  statusTimeoutMs?: number;
  field?: string;
}

export class LcusRelay implements Relay {
  readonly id: string;
  private readonly options: LcusRelayOptions;
  private port: SerialPort | undefined;
  private received = '';

  constructor(options: LcusRelayOptions) {
    this.options = options;
    this.id = `lcus:${options.path}#${options.channel}`;
  }

  async start(): Promise<void> {
    this.port = await this.open('relay-open-failed');
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

  /** Asks the board (status query firmware only); undefined when the board cannot tell. */
  async readState(): Promise<boolean | undefined> {
    if (!this.options.hasStatusQuery) return undefined;
    const port = await this.ensureOpen();
    this.received = '';
    await writeAndDrain(port, Uint8Array.of(0xff));
    const deadline = performance.now() + (this.options.statusTimeoutMs ?? 300);
    while (performance.now() < deadline) {
      const states = parseLcusStatus(this.received);
      if (states.has(this.options.channel) && /\n/.test(this.received.slice(this.received.lastIndexOf(`CH${this.options.channel}`)))) {
        return states.get(this.options.channel);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  private async open(code: 'relay-open-failed' | 'relay-disconnected'): Promise<SerialPort> {
    const port = await openSerialPort(this.options.path, this.options.baudRate, code);
    port.on('close', () => {
      if (this.port === port) this.port = undefined;
    });
    // An error event without a listener would throw; the next write reports the loss.
    port.on('error', () => undefined);
    port.on('data', (chunk: Buffer) => {
      this.received = (this.received + chunk.toString('latin1')).slice(-256);
    });
    return port;
  }

  private async ensureOpen(): Promise<SerialPort> {
    if (this.port?.isOpen) return this.port;
    try {
      this.port = await this.open('relay-disconnected');
      return this.port;
    } catch (err) {
      throw new KioskError('relay-disconnected', `${this.id}: relay board not reachable`, { cause: err });
    }
  }
}
