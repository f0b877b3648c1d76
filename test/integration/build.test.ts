import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAll } from '../../scripts/build.ts';

describe('Electron bundles (npm run build)', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiosk-dist-'));
  beforeAll(() => buildAll(out), 60_000);
  const read = (p: string) => readFileSync(join(out, p), 'utf8');
  const requires = (code: string) => [...new Set([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))];

  it('gives the sandboxed preload nothing to require but electron', () => {
    expect(requires(read('preload/guard.preload.cjs'))).toEqual(['electron']);
    expect(read('preload/guard.preload.cjs')).toContain('exposeInMainWorld("kiosk"');
  });

  it('keeps Node out of the renderer bundle', () => {
    const code = read('renderer/guard/guard.js');
    expect(code).not.toMatch(/from ["']node:|require\(/);
  });

  it('leaves native modules external in the core process (they ship as N-API prebuilds)', () => {
    const code = read('electron/core-process.mjs');
    for (const mod of ['better-sqlite3', 'serialport']) expect(code).toMatch(new RegExp(`(from|require\\()\\s*["']${mod}["']`));
  });

  it('ships the guard page with its strict CSP', () => {
    const html = read('renderer/guard/index.html');
    expect(html).toContain("default-src 'none'");
    expect(html).toContain("script-src 'self'");
    // Only WebAssembly compilation (the camera worker's ZBar) is allowed, never eval or inline script.
    expect(html).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(html).toContain("'wasm-unsafe-eval'");
    expect(read('renderer/camera/worker.js').length).toBeGreaterThan(100_000);
  });
});
