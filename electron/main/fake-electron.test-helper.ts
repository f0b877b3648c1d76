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
  /** Shell composition (main.ts). */
  menus: unknown[];
  appHandlers: Record<string, (...args: unknown[]) => unknown>;
  exits: number[];
  forks: FakeChild[];
  loadedUrls: string[];
  onceHandlers: Record<string, () => void>;
  reloads: number;
  /** What the shell sent to the renderer: [channel, payload]. */
  events: Array<[string, unknown]>;
}

/** A utility process that never runs anything: the test decides when it exits. */
export class FakeChild {
  readonly modulePath: string;
  readonly args: string[];
  readonly options: { serviceName?: string; execArgv?: string[] };
  readonly pid: number;
  private readonly listeners: Record<string, Array<(...a: unknown[]) => void>> = {};
  readonly posted: unknown[] = [];
  killed = false;

  constructor(modulePath: string, args: string[], options: { serviceName?: string; execArgv?: string[] }, pid: number) {
    this.modulePath = modulePath;
    this.args = args;
    this.options = options;
    this.pid = pid;
  }

  on(event: string, listener: (...a: unknown[]) => void): this {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners[event] ?? []) l(...args);
  }

  postMessage(m: unknown): void {
    this.posted.push(m);
  }

  kill(): boolean {
    this.killed = true;
    this.emit('exit', 9);
    return true;
  }
}

export function makeRecorded(): Recorded {
  return { windowOptions: [], webContentsHandlers: {}, ipcHandlers: {}, ipcListeners: {}, schemes: [], menus: [], appHandlers: {}, exits: [], forks: [], loadedUrls: [], onceHandlers: {}, reloads: 0, events: [] };
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
    once: (event: string, handler: () => void) => {
      rec.onceHandlers[event] = handler;
    },
    send: (channel: string, payload: unknown) => rec.events.push([channel, payload]),
    reload: () => {
      rec.reloads++;
    },
  };
  class BrowserWindow {
    webContents = webContents;
    constructor(options: unknown) {
      rec.windowOptions.push(options);
    }
    once(): void {}
    show(): void {}
    isDestroyed(): boolean {
      return false;
    }
    loadURL(url: string): Promise<void> {
      rec.loadedUrls.push(url);
      return Promise.resolve();
    }
  }
  return {
    app: {
      isPackaged: true,
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: (event: string, handler: (...args: unknown[]) => unknown) => {
        rec.appHandlers[event] = handler;
      },
      exit: (code: number) => rec.exits.push(code),
      quit: () => undefined,
    },
    Menu: { setApplicationMenu: (menu: unknown) => rec.menus.push(menu) },
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: { serviceName?: string; execArgv?: string[] }) => {
        const child = new FakeChild(modulePath, args, options, 1000 + rec.forks.length);
        rec.forks.push(child);
        return child;
      },
    },
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
