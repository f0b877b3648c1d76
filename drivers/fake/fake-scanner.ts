import type { RawScan, Scanner, ScannerHandlers } from '../contracts/scanner.ts';

const encoder = new TextEncoder();

/**
 * A scanner driven by code: tests call `emit`, the demo and the bench replay a list.
 * `emit` stamps `monoMs` at the call, as a real driver stamps the arrival of the last byte.
 */
export class FakeScanner implements Scanner {
  readonly id: string;
  /** Every scan handed to the core, for assertions. */
  readonly emitted: RawScan[] = [];
  private handlers: ScannerHandlers | undefined;
  private replayTimer: ReturnType<typeof setInterval> | undefined;
  private readonly replay: readonly string[];
  private readonly intervalMs: number;

  constructor(options: { id?: string; replay?: readonly string[]; intervalMs?: number } = {}) {
    this.id = options.id ?? 'fake';
    this.replay = options.replay ?? [];
    this.intervalMs = options.intervalMs ?? 250;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    this.handlers = handlers;
    handlers.onState?.('connected');
    if (this.replay.length > 0) {
      let i = 0;
      this.replayTimer = setInterval(() => {
        this.emit(this.replay[i % this.replay.length] as string);
        i++;
      }, this.intervalMs);
    }
  }

  async stop(): Promise<void> {
    if (this.replayTimer !== undefined) clearInterval(this.replayTimer);
    this.replayTimer = undefined;
    this.handlers = undefined;
  }

  /** Delivers one payload as if its last byte had just arrived. Throws before `start`. */
  emit(payload: string | Uint8Array, extra: Partial<Omit<RawScan, 'bytes' | 'source'>> = {}): RawScan {
    if (!this.handlers) throw new Error('FakeScanner.emit called before start() (or after stop())');
    const scan: RawScan = {
      bytes: typeof payload === 'string' ? encoder.encode(payload) : payload,
      source: this.id,
      monoMs: performance.now(),
      framing: 'injected',
      ...extra,
    };
    this.emitted.push(scan);
    this.handlers.onScan(scan);
    return scan;
  }

  /** Simulates unplugging and replugging. */
  setState(state: 'connected' | 'disconnected' | 'waiting', detail?: string): void {
    this.handlers?.onState?.(state, detail);
  }

  end(): void {
    this.handlers?.onEnd?.();
  }

  reset(): void {
    this.emitted.length = 0;
  }
}
