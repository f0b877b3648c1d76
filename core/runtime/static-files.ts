import { isAbsolute, normalize, relative, resolve } from 'node:path';

/**
 * The renderer bundle as files, for the Electron `app://` handler and the browser bridge's HTTP
 * server alike: a request path is confined to the bundle directory (no `..`, no absolute paths).
 */
export function confinedPath(root: string, pathname: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(pathname === '/' ? '/guard/index.html' : pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const full = resolve(root, `.${normalize(path)}`);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return full;
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * The pages' Content-Security-Policy, also sent as a header (a Web Worker takes its policy from its
 * own response, not from the page's meta tag). `wasm-unsafe-eval` lets the camera worker compile
 * its decoders (ZXing-C++, ZBar) and nothing else; the WebSocket source is the browser bridge on loopback only.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self' ws://127.0.0.1:*; worker-src 'self'; base-uri 'none'; form-action 'none'";
