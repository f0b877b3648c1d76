import { BrowserWindow, session, type Session, type WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * True for URLs of our own bundle. Compares protocol and host: Node's WHATWG URL reports the origin
 * of non-special schemes such as `app://` as the string "null", so an origin comparison would
 * deny (or, worse, match) everything.
 */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

export interface WindowFlags {
  isPackaged: boolean;
  /** Technician build flag (KIOSK_DEVTOOLS=1 in an unpackaged run); never in production. */
  allowDevTools: boolean;
  preloadPath: string;
}

/**
 * Applied to every window we create (Signal's handleCommonWindowEvents): no navigation away from
 * the bundle, no new windows, no webviews, no external links: there is no way out to a browser.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * Only camera capture (video, no audio) for our own origin; everything else is refused, in both the
 * check handler (Chromium asks first) and the request handler.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string, mediaTypes: readonly string[] | undefined): boolean {
  if (permission !== 'media' || !isAppUrl(requestingUrl)) return false;
  return mediaTypes !== undefined && mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video');
}

export function installPermissionHandlers(ses: Session): void {
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(isPermissionAllowed(permission, details.requestingUrl || contents.getURL(), mediaTypes));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => {
    const mediaType = 'mediaType' in details ? details.mediaType : undefined;
    // The check names one media type; "unknown" is what Chromium asks before enumerating devices.
    const types = mediaType === undefined ? undefined : mediaType === 'unknown' ? ['video'] : [mediaType];
    return isPermissionAllowed(permission, requestingOrigin, types);
  });
  ses.setDevicePermissionHandler(() => false);
}

/**
 * The one window. Its options are a literal right here (unit-tested setting by setting) so that
 * static scanners such as electronegativity, which read syntax only, see them.
 */
export function createKioskWindow(flags: WindowFlags): BrowserWindow {
  installPermissionHandlers(session.defaultSession);
  const win = new BrowserWindow({
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    backgroundColor: '#000000',
    show: false,
    webPreferences: {
      preload: flags.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would ask for a new window (denied anyway): do not even raise the event.
      disableBlinkFeatures: 'Auxclick',
      devTools: !flags.isPackaged && flags.allowDevTools,
      safeDialogs: true,
    },
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  return win;
}
