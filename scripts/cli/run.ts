import { setDropHandler } from '../../common/drop.ts';
import { loadConfigFile } from '../../core/runtime/config-file.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import { createDrivers } from '../../drivers/create.ts';
import { eventSink, fail, makeLogger } from './output.ts';

export interface RunOptions {
  config: string;
  headless?: boolean;
  events?: string;
  /** After the scanner's input ends (stdin closed), wait this long for uploads before exiting. */
  drainMs: number;
}

/** `kiosk run`: the kiosk core under plain Node (headless), or as Electron's core process. */
export async function runCommand(options: RunOptions): Promise<void> {
  const log = makeLogger();
  setDropHandler((err) => log.error({ err }, 'background task failed'));
  const emit = eventSink(options.events);
  let running: Awaited<ReturnType<typeof startKiosk>>;
  try {
    const config = loadConfigFile(options.config);
    running = await startKiosk(config, { drivers: createDrivers(config), emit, log });
  } catch (err) {
    fail(err);
  }
  const shutdown = async (reason: string, code: number) => {
    try {
      await running.stop(reason);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      code = 1;
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  running.core.onScannerEnd(() => {
    void (async () => {
      await running.core.whenIdle();
      const isDrained = (await running.uploader?.drain(options.drainMs)) ?? true;
      if (!isDrained) log.warn('input ended; some entries are still waiting in the outbox for the server');
      await shutdown('input-ended', 0);
    })();
  });
}
