/**
 * A fake `electron` module for unit tests of the main process (the real one downloads its binary on
 * first import). It records what the code under test configured, so tests assert on settings.
 */
export interface Recorded {
  windowOptions: unknown[];
  webContentsHandlers: Record<string, (...args: unknown[]) => unknown>;
  windowOpenHandler?: (details: unknown) => unknown;
  permissionRequest?: (...args: unknown[]) => void;
  permissionCheck?: (...args: unknown[]) => boolean;
  devicePermission?: (...args: unknown[]) => boolean;
  ipcHandlers: Record<string, (...args: unknown[]) => unknown>;
  ipcListeners: Record<string, (...args: unknown[]) => unknown>;
  schemes: unknown[];
}

export function makeRecorded(): Recorded {
  return { windowOptions: [], webContentsHandlers: {}, ipcHandlers: {}, ipcListeners: {}, schemes: [] };
}

export function fakeElectron(rec: Recorded) {
  const webContents = {
    id: 1,
    on: (event: string, handler: (...args: unknown[]) => unknown) => {
      rec.webContentsHandlers[event] = handler;
    },
    setWindowOpenHandler: (handler: (details: unknown) => unknown) => {
      rec.windowOpenHandler = handler;
    },
    getURL: () => 'app://kiosk/guard/index.html',
  };
  class BrowserWindow {
    webContents = webContents;
    constructor(options: unknown) {
      rec.windowOptions.push(options);
    }
    once(): void {}
    show(): void {}
    loadURL(): Promise<void> {
      return Promise.resolve();
    }
  }
  return {
    app: { isPackaged: true },
    BrowserWindow,
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: (...args: unknown[]) => void) => (rec.permissionRequest = h),
        setPermissionCheckHandler: (h: (...args: unknown[]) => boolean) => (rec.permissionCheck = h),
        setDevicePermissionHandler: (h: (...args: unknown[]) => boolean) => (rec.devicePermission = h),
      },
    },
    ipcMain: {
      handle: (channel: string, h: (...args: unknown[]) => unknown) => (rec.ipcHandlers[channel] = h),
      on: (channel: string, h: (...args: unknown[]) => unknown) => (rec.ipcListeners[channel] = h),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => rec.schemes.push(...s),
      handle: () => undefined,
    },
    net: { fetch: () => Promise.resolve(new Response('')) },
  };
}
