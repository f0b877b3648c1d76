import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { KioskError } from '../../common/errors.ts';
import { startUiBridge, type UiBridge } from '../../core/runtime/ui-bridge.ts';
import { TechnicianService } from '../../core/runtime/technician.ts';
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
  /** Browser mode: serve the guard screen and the bridge on 127.0.0.1:uiPort. */
  uiPort?: number;
  uiToken?: string;
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

  let ui: UiBridge | undefined;
  // Created first: the supervisor's events feed its log tail from the start.
  const technician = new TechnicianService({ pinHash: config.ui.technicianPinHash, status: () => supervisor.status(), gateTest: () => supervisor.gateTest() });
  const supervisor: Supervisor = new Supervisor({
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
    onEvent: (event) => {
      print(event);
      technician.observe(event);
      ui?.broadcast(event);
    },
    log,
    watchdogMs: config.gate.watchdogMs,
  });
  supervisor.start();
  if (options.uiPort !== undefined) {
    try {
      ui = await startUi(options.uiPort, options.uiToken ?? randomBytes(18).toString('base64url'), supervisor, technician, log);
    } catch (err) {
      await supervisor.stop();
      fail(new KioskError('bad-request', `--ui-port ${options.uiPort}: ${err instanceof Error ? err.message : String(err)}`));
    }
    print({ type: 'ui', url: ui.url });
  }
  const stop = async (code: number) => {
    await ui?.close();
    await supervisor.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  // Resolves when the core finished (stdin input ended), or could not start (1, or 2 for config).
  const code = await supervisor.done;
  await ui?.close();
  process.exit(code);
}

/**
 * The renderer next to a bundled `kiosk` (dist/cli → dist/renderer), or built from the sources
 * into a temporary directory.
 */
async function startUi(port: number, token: string, supervisor: Supervisor, technician: TechnicianService, log: ReturnType<typeof makeLogger>): Promise<UiBridge> {
  let staticDir = join(import.meta.dirname, '..', 'renderer');
  if (!existsSync(join(staticDir, 'guard', 'index.html'))) {
    staticDir = join(mkdtempSync(join(tmpdir(), 'kiosk-ui-')), 'renderer');
    const { buildRenderer } = await import('../build.ts');
    await buildRenderer(staticDir);
  }
  return startUiBridge({
    port,
    token,
    staticDir,
    log,
    handlers: {
      getStatus: () => supervisor.status(),
      submitScan: (scan) => supervisor.submitScan(scan),
      // No systemd watchdog in browser mode: the heartbeat has nobody to tell.
      heartbeat: () => undefined,
      technician: (request) => technician.handle(request),
    },
  });
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
