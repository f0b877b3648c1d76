import type { SerialPort } from 'serialport';
import type { Scanner, ScannerHandlers } from '../contracts/scanner.ts';
import { PayloadFramer } from '../parsers/framer.ts';
import { closeSerialPort, openSerialPort } from './port.ts';

export interface SerialScannerOptions {
  path: string;
  baudRate: number;
  suffix: Uint8Array;
  interByteTimeoutMs: number;
  prefix: Uint8Array;
  maxPayloadBytes: number;
  /** How often a missing or unplugged port is retried. */
  reopenIntervalMs?: number;
}

/**
 * A scanner in USB serial mode (CDC-ACM `ttyACM*`, or a bridge chip on `ttyUSB*`).
 * The port is reopened after an unplug; until then the state is `disconnected`.
 */
export class SerialScanner implements Scanner {
  readonly id: string;
  private readonly options: SerialScannerOptions;
  private port: SerialPort | undefined;
  private handlers: ScannerHandlers | undefined;
  private framer: PayloadFramer | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private isStopping = false;

  constructor(options: SerialScannerOptions) {
    this.options = options;
    this.id = `serial:${options.path}`;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    this.handlers = handlers;
    this.isStopping = false;
    this.framer = new PayloadFramer(
      {
        suffix: this.options.suffix,
        interByteTimeoutMs: this.options.interByteTimeoutMs,
        maxBytes: this.options.maxPayloadBytes,
        prefix: this.options.prefix,
      },
      (frame) =>
        this.handlers?.onScan({ bytes: frame.bytes, source: this.id, monoMs: frame.endedAtMs, framing: frame.framing }),
    );
    await this.tryOpen();
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.reopenTimer !== undefined) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    this.framer?.flush(false);
    const port = this.port;
    this.port = undefined;
    if (port) await closeSerialPort(port);
    this.handlers = undefined;
  }

  private async tryOpen(): Promise<void> {
    try {
      const port = await openSerialPort(this.options.path, this.options.baudRate, 'scanner-open-failed');
      if (this.isStopping) {
        await closeSerialPort(port);
        return;
      }
      this.port = port;
      port.on('data', (chunk: Buffer) => this.framer?.push(chunk));
      port.on('close', () => this.onLost('port closed (unplugged?)'));
      port.on('error', (err: Error) => this.onLost(err.message));
      this.handlers?.onState?.('connected', this.options.path);
    } catch (err) {
      this.handlers?.onState?.('waiting', err instanceof Error ? err.message : String(err));
      this.scheduleReopen();
    }
  }

  private onLost(detail: string): void {
    if (this.isStopping || this.port === undefined) return;
    const port = this.port;
    this.port = undefined;
    port.removeAllListeners('data');
    this.framer?.flush(false);
    this.handlers?.onState?.('disconnected', detail);
    void closeSerialPort(port).then(() => this.scheduleReopen());
  }

  private scheduleReopen(): void {
    if (this.isStopping || this.reopenTimer !== undefined) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      void this.tryOpen();
    }, this.options.reopenIntervalMs ?? 500);
  }
}
