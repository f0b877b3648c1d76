import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRecorded, type Recorded } from './fake-electron.test-helper.ts';

const rec = vi.hoisted(() => ({ current: undefined as unknown as Recorded }));
vi.mock('electron', async () => {
  const { fakeElectron: fake, makeRecorded: make } = await import('./fake-electron.test-helper.ts');
  rec.current = make();
  return fake(rec.current);
});

const { createKioskWindow, isAppUrl, isPermissionAllowed } = await import('./windows.ts');

describe('kiosk window hardening', () => {
  beforeEach(() => {
    Object.assign(rec.current, makeRecorded());
  });

  it('creates the window with the security baseline', () => {
    createKioskWindow({ isPackaged: true, allowDevTools: true, preloadPath: '/opt/kiosk/preload.cjs' });
    const options = rec.current.windowOptions[0] as { kiosk: boolean; webPreferences: Record<string, unknown> };
    expect(options.kiosk).toBe(true);
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      // Packaged: no DevTools, even with the technician flag.
      devTools: false,
      preload: '/opt/kiosk/preload.cjs',
    });
  });

  it('allows DevTools only in an unpackaged run with the technician flag', () => {
    const devTools = (flags: { isPackaged: boolean; allowDevTools: boolean }) => {
      createKioskWindow({ ...flags, preloadPath: 'p' });
      return (rec.current.windowOptions.at(-1) as { webPreferences: { devTools: boolean } }).webPreferences.devTools;
    };
    expect(devTools({ isPackaged: false, allowDevTools: true })).toBe(true);
    expect(devTools({ isPackaged: false, allowDevTools: false })).toBe(false);
    expect(devTools({ isPackaged: true, allowDevTools: true })).toBe(false);
  });

  it('cancels navigation away from the bundle and keeps navigation inside it', () => {
    createKioskWindow({ isPackaged: true, allowDevTools: false, preloadPath: 'p' });
    const navigate = rec.current.webContentsHandlers['will-navigate']!;
    const foreign = { preventDefault: vi.fn() };
    navigate(foreign, 'https://evil.example/');
    expect(foreign.preventDefault).toHaveBeenCalled();
    const own = { preventDefault: vi.fn() };
    navigate(own, 'app://kiosk/technician/index.html');
    expect(own.preventDefault).not.toHaveBeenCalled();
    const file = { preventDefault: vi.fn() };
    navigate(file, 'file:///etc/passwd');
    expect(file.preventDefault).toHaveBeenCalled();
  });

  it('denies every new window and blocks webviews', () => {
    createKioskWindow({ isPackaged: true, allowDevTools: false, preloadPath: 'p' });
    expect(rec.current.windowOpenHandler!({ url: 'app://kiosk/x' })).toEqual({ action: 'deny' });
    const attach = { preventDefault: vi.fn() };
    rec.current.webContentsHandlers['will-attach-webview']!(attach);
    expect(attach.preventDefault).toHaveBeenCalled();
  });

  it('grants camera capture to the app origin only, through both permission handlers', () => {
    createKioskWindow({ isPackaged: true, allowDevTools: false, preloadPath: 'p' });
    const request = (permission: string, url: string, mediaTypes?: string[]) =>
      new Promise<boolean>((resolve) => rec.current.permissionRequest!({ getURL: () => url }, permission, resolve, { requestingUrl: url, ...(mediaTypes ? { mediaTypes } : {}) }));
    return Promise.all([
      expect(request('media', 'app://kiosk/guard/index.html', ['video'])).resolves.toBe(true),
      expect(request('media', 'app://kiosk/guard/index.html', ['video', 'audio'])).resolves.toBe(false),
      expect(request('media', 'app://kiosk/guard/index.html', ['audio'])).resolves.toBe(false),
      expect(request('media', 'https://evil.example/', ['video'])).resolves.toBe(false),
      expect(request('geolocation', 'app://kiosk/guard/index.html')).resolves.toBe(false),
      expect(request('notifications', 'app://kiosk/guard/index.html')).resolves.toBe(false),
    ]).then(() => {
      expect(rec.current.permissionCheck!(null, 'media', 'app://kiosk', { mediaType: 'video' })).toBe(true);
      expect(rec.current.permissionCheck!(null, 'media', 'app://kiosk', { mediaType: 'audio' })).toBe(false);
      expect(rec.current.permissionCheck!(null, 'media', 'http://localhost:3000', { mediaType: 'video' })).toBe(false);
      expect(rec.current.permissionCheck!(null, 'clipboard-read', 'app://kiosk', {})).toBe(false);
      expect(rec.current.devicePermission!({})).toBe(false);
    });
  });
});

describe('isAppUrl', () => {
  it('compares scheme and host, not the WHATWG origin (which is "null" for app://)', () => {
    expect(new URL('app://kiosk/x').origin).toBe('null');
    expect(isAppUrl('app://kiosk/guard/index.html')).toBe(true);
    expect(isAppUrl('app://kiosk.evil/guard')).toBe(false);
    expect(isAppUrl('app://other/guard')).toBe(false);
    expect(isAppUrl('https://kiosk/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('refuses media for a look-alike host', () => {
    expect(isPermissionAllowed('media', 'app://kioskx/', ['video'])).toBe(false);
  });
});
