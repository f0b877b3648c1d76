import { net, protocol } from 'electron';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { confinedPath, CONTENT_SECURITY_POLICY, CONTENT_TYPES } from '../../core/runtime/static-files.ts';
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
  return confinedPath(root, u.pathname);
}

/** Serves the renderer bundle, confined to its directory. */
export function serveBundle(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const path = bundlePath(root, request.url);
    if (!path) return new Response('not found', { status: 404 });
    const file = await net.fetch(pathToFileURL(path).toString());
    // The policy travels as a header too: Web Workers ignore the page's meta tag.
    const headers = new Headers(file.headers);
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    const type = CONTENT_TYPES[extname(path)];
    if (type) headers.set('content-type', type);
    return new Response(file.body, { status: file.status, headers });
  });
}
