import { app, ipcMain, Menu, utilityProcess, type BrowserWindow, type WebContents } from 'electron';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { CHANNELS } from '../../common/ipc/contract.ts';
import { loadConfigFile } from '../../core/runtime/config-file.ts';
import { CORE_V8_FLAGS, Supervisor, type CoreProcessHandle } from '../../core/runtime/supervisor.ts';
import { createSafeStateOutputs } from '../../drivers/create.ts';
import { restoreOutputs } from '../../core/runtime/safe-state.ts';
import { TechnicianService } from '../../core/runtime/technician.ts';
import { registerIpc } from './ipc.ts';
import { createRendererRecovery, Heartbeat, startSystemdWatchdog } from './lifecycle.ts';
import { registerAppScheme, serveBundle } from './protocol.ts';
import { APP_ORIGIN, createKioskWindow } from './windows.ts';

/**
 * Composition root of the Electron shell: one full-screen window, the core in a utility process,
 * the bridge, and the systemd watchdog. Thin by design; everything it composes is tested under Node.
 */
const log = pino({ level: process.env.KIOSK_LOG_LEVEL ?? 'info', base: { app: 'kiosk-main' } }, pino.destination({ fd: 2, sync: true }));
const configPath = process.env.KIOSK_CONFIG ?? '/etc/kiosk/kiosk.json';
const bundleDir = join(import.meta.dirname, '..', 'renderer');

registerAppScheme();
Menu.setApplicationMenu(null);
if (!app.requestSingleInstanceLock()) app.exit(0);

let window: BrowserWindow | undefined;
const heartbeat = new Heartbeat();
const windows = (): WebContents[] => (window && !window.isDestroyed() ? [window.webContents] : []);

const supervisor = new Supervisor({
  spawn: (): CoreProcessHandle => {
    const child = utilityProcess.fork(join(import.meta.dirname, 'core-process.mjs'), [configPath], {
      serviceName: 'kiosk-core',
      stdio: 'inherit',
      execArgv: [...CORE_V8_FLAGS],
    });
    return {
      send: (m) => child.postMessage(m),
      onMessage: (l) => child.on('message', l),
      onExit: (l) => child.on('exit', (code) => l(code, null)),
      kill: () => child.kill(),
      get pid() {
        return child.pid;
      },
    };
  },
  restoreSafeState: () => restoreOutputs(createSafeStateOutputs(loadConfigFile(configPath))),
  onEvent: (event) => {
    technician.observe(event);
    for (const wc of windows()) wc.send(CHANNELS.event, event);
  },
  log,
});

const technician = new TechnicianService({
  pinHash: readPinHash(),
  status: () => supervisor.status(),
  gateTest: () => supervisor.gateTest(),
});

void app.whenReady().then(() => {
  serveBundle(bundleDir);
  registerIpc(
    ipcMain,
    {
      getStatus: () => supervisor.status(),
      submitScan: (scan) => supervisor.submitScan(scan),
      heartbeat: () => heartbeat.beat(),
      technician: (request) => technician.handle(request),
    },
    windows,
  );
  supervisor.start();
  window = createKioskWindow({
    isPackaged: app.isPackaged,
    allowDevTools: process.env.KIOSK_DEVTOOLS === '1',
    preloadPath: join(import.meta.dirname, '..', 'preload', 'guard.preload.cjs'),
  });
  void window.loadURL(`${APP_ORIGIN}/guard/index.html`);
  window.webContents.once('did-finish-load', () => notifySystemd('READY=1'));
  // systemd's WatchdogSec: a hung UI or a dead core stops the pings, and systemd restarts us.
  const usec = Number(process.env.WATCHDOG_USEC ?? 0);
  startSystemdWatchdog({ usec, isHealthy: () => heartbeat.isFresh(usec / 1000) && supervisor.isCoreRunning, notify: notifySystemd });
});

const recoverRenderer = createRendererRecovery({
  exit: (code) => app.exit(code),
  onGone: (reason, failures) => log.error({ reason, failures }, 'renderer gone'),
});
app.on('render-process-gone', (_event, contents, details) => recoverRenderer(contents, details));
app.on('child-process-gone', (_event, details) => log.error({ type: details.type, reason: details.reason, name: details.name }, 'child process gone'));
app.on('window-all-closed', () => {
  void supervisor.stop().then(() => app.quit());
});

/** The technician PIN hash from the config; a config the core cannot load leaves the screen locked. */
function readPinHash(): string | undefined {
  try {
    return loadConfigFile(configPath).ui.technicianPinHash;
  } catch {
    return undefined;
  }
}

/**
 * Node has no datagram-socket API for NOTIFY_SOCKET, hence `systemd-notify` (NotifyAccess=all in
 * the unit, since under cage this process is not the one systemd forked).
 */
function notifySystemd(state: string): void {
  if (!process.env.NOTIFY_SOCKET) return;
  execFile('systemd-notify', [state], (err) => {
    if (err) log.warn({ err }, 'systemd-notify failed');
  });
}
