import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Scanner, ScannerHandlers } from '../contracts/scanner.ts';

const encoder = new TextEncoder();

/**
 * One payload per line of standard input, so integrators and tests can pipe scans in:
 * `printf '%s\n' "$QR" | kiosk run --config kiosk.json --events -`. Blank lines are ignored;
 * a trailing CR (Windows line ends) is removed. End of input calls `onEnd`.
 */
export class StdinScanner implements Scanner {
  readonly id = 'stdin';
  private readonly input: Readable;
  private rl: Interface | undefined;

  constructor(input: Readable = process.stdin) {
    this.input = input;
  }

  async start(handlers: ScannerHandlers): Promise<void> {
    const rl = createInterface({ input: this.input, crlfDelay: Infinity, terminal: false });
    this.rl = rl;
    rl.on('line', (line) => {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (text.length === 0) return;
      handlers.onScan({ bytes: encoder.encode(text), source: this.id, monoMs: performance.now(), framing: 'line' });
    });
    rl.on('close', () => handlers.onEnd?.());
    handlers.onState?.('connected');
  }

  async stop(): Promise<void> {
    this.rl?.removeAllListeners('close');
    this.rl?.close();
    this.rl = undefined;
  }
}
