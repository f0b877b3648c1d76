import { fork } from 'node:child_process';
import { join } from 'node:path';
import { setDropHandler } from '../../common/drop.ts';
import type { KioskConfig } from '../../common/config.ts';
import type { KioskEvent } from '../../common/events.ts';
import { loadConfigFile } from '../../core/runtime/config-file.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import { CORE_V8_FLAGS, Supervisor, type CoreProcessHandle } from '../../core/runtime/supervisor.ts';
import { createDrivers, createSafeStateOutputs } from '../../drivers/create.ts';
import { restoreOutputs } from '../../core/runtime/safe-state.ts';
import { eventSink, fail, makeLogger } from './output.ts';

export interface RunOptions {
  config: string;
  headless?: boolean;
  events?: string;
  /** After the scanner's input ends (stdin closed), wait this long for uploads before exiting. */
  drainMs: number;
  /** Run the core in this process (no supervisor): for debugging and profiling only. */
  isInProcess?: boolean;
}

const KIOSK_BIN = join(import.meta.dirname, '..', 'kiosk.js');

/**
 * `kiosk run`: a supervisor process that forks the core (`kiosk core`), prints its events, drives
 * the outputs safe when the core dies or hangs, and restarts it. Under Electron the main process
 * plays this part with a utilityProcess.
 */
export async function runCommand(options: RunOptions): Promise<void> {
  const log = makeLogger();
  setDropHandler((err) => log.error({ err }, 'background task failed'));
  const print = eventSink(options.events);
  let config: KioskConfig;
  try {
    config = loadConfigFile(options.config);
  } catch (err) {
    fail(err);
  }
  if (options.isInProcess) {
    await runInProcess(config, options, print);
    return;
  }

  const supervisor = new Supervisor({
    spawn: (): CoreProcessHandle => {
      // The core reads stdin itself (the stdin scanner) and logs to our stderr.
      // The same program (source or bundle) runs the core: `kiosk core`.
      const child = fork(process.argv[1] ?? KIOSK_BIN, ['core', '--config', options.config, '--drain-ms', String(options.drainMs)], {
        stdio: ['inherit', 'ignore', 'inherit', 'ipc'],
        serialization: 'json',
        execArgv: [...CORE_V8_FLAGS],
      });
      return {
        send: (m) => {
          if (child.connected) child.send(m);
        },
        onMessage: (l) => child.on('message', l),
        onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
        kill: () => child.kill('SIGKILL'),
        get pid() {
          return child.pid;
        },
      };
    },
    restoreSafeState: () => restoreOutputs(createSafeStateOutputs(config)),
    onEvent: print,
    log,
    watchdogMs: config.gate.watchdogMs,
  });
  supervisor.start();
  const stop = async (code: number) => {
    await supervisor.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  // Resolves when the core finished (stdin input ended), or could not start (1, or 2 for config).
  process.exit(await supervisor.done);
}

async function runInProcess(config: KioskConfig, options: RunOptions, print: (e: KioskEvent) => void): Promise<void> {
  const log = makeLogger();
  let running: Awaited<ReturnType<typeof startKiosk>>;
  try {
    running = await startKiosk(config, { drivers: createDrivers(config), emit: print, log });
  } catch (err) {
    fail(err);
  }
  const shutdown = async (reason: string) => {
    await running.stop(reason);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  running.core.onScannerEnd(() => {
    void (async () => {
      await running.core.whenIdle();
      await running.uploader?.drain(options.drainMs);
      await shutdown('input-ended');
    })();
  });
}
