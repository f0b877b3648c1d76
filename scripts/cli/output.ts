import pino, { type Logger as PinoLogger } from 'pino';
import { KioskError, serializeError } from '../../common/errors.ts';
import type { EventSink, KioskEvent } from '../../common/events.ts';

/** Logs go to stderr as JSON lines (journald keeps them); stdout belongs to results and events. */
export function makeLogger(level = process.env.KIOSK_LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({ level, base: { app: 'kiosk' } }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Event sink for `--events -` (stdout) or `--events FILE`. Writes are synchronous: an event that was
 * printed is on its way even if the process is killed right after.
 */
export function eventSink(target: string | undefined): EventSink {
  if (target === undefined) return () => undefined;
  const dest = target === '-' ? pino.destination({ fd: 1, sync: true }) : pino.destination({ dest: target, sync: true, append: true });
  return (event: KioskEvent) => {
    dest.write(`${JSON.stringify(event)}\n`);
  };
}

/** Prints a failure for a technician and picks the exit code: 2 for bad config or usage, 1 otherwise. */
export function fail(err: unknown): never {
  const e = serializeError(err);
  process.stderr.write(`kiosk: ${e.code}: ${e.message}\n`);
  const problems = err instanceof KioskError ? err.details?.problems : undefined;
  if (Array.isArray(problems)) {
    for (const p of problems as Array<{ field: string; message: string }>) process.stderr.write(`  ${p.field}: ${p.message}\n`);
  }
  const isConfig = err instanceof KioskError && (err.kind === 'config' || err.code === 'bad-request');
  process.exit(isConfig ? 2 : 1);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
