import { net, protocol } from 'electron';
import { isAbsolute, normalize, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_HOST, APP_SCHEME } from './windows.ts';

/** Must run before `app.whenReady()`: makes `app://` a standard, secure origin (not file://). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** Resolves a request path inside `root`; undefined for anything that escapes it. */
export function bundlePath(root: string, url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  const path = decodeURIComponent(u.pathname === '/' ? '/guard/index.html' : u.pathname);
  const full = resolve(root, `.${normalize(path)}`);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return full;
}

/** Serves the renderer bundle, confined to its directory. */
export function serveBundle(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const path = bundlePath(root, request.url);
    if (!path) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(path).toString());
  });
}
