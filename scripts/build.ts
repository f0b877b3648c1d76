import { build, type BuildOptions } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Bundles the Electron app and the `kiosk` command into dist/: main and the core utility process (ESM, Node), the sandboxed
 * preload (CommonJS: a sandboxed preload can `require` only `electron`, so zod is bundled in), and
 * the renderer (browser ESM). Native modules stay external and ship as N-API prebuilds.
 */
const root = join(import.meta.dirname, '..');
export const NATIVE = ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid'];

export function buildOptions(outdir = join(root, 'dist')): Record<'main' | 'preload' | 'renderer' | 'cli', BuildOptions> {
  const common: BuildOptions = { bundle: true, sourcemap: true, target: 'es2023', logLevel: 'warning', legalComments: 'none' };
  return {
    main: {
      ...common,
      entryPoints: { main: join(root, 'electron/main/main.ts'), 'core-process': join(root, 'electron/main/core-process.ts') },
      outdir: join(outdir, 'electron'),
      outExtension: { '.js': '.mjs' },
      platform: 'node',
      format: 'esm',
      external: ['electron', ...NATIVE],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    },
    preload: {
      ...common,
      entryPoints: { 'guard.preload': join(root, 'electron/preload/guard.preload.ts') },
      outdir: join(outdir, 'preload'),
      outExtension: { '.js': '.cjs' },
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
    },
    cli: {
      ...common,
      entryPoints: { kiosk: join(root, 'scripts/cli/main.ts') },
      outdir: join(outdir, 'cli'),
      outExtension: { '.js': '.mjs' },
      platform: 'node',
      format: 'esm',
      external: [...NATIVE, 'esbuild', 'playwright-core'],
      banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    },
    renderer: {
      ...common,
      entryPoints: { 'guard/guard': join(root, 'renderer/guard/guard.ts'), 'camera/worker': join(root, 'renderer/camera/worker.ts') },
      outdir: join(outdir, 'renderer'),
      platform: 'browser',
      format: 'esm',
      // ZBar's WebAssembly inlined in the worker bundle: no separate asset to serve or to find.
      conditions: ['zbar-inlined'],
    },
  };
}

export async function buildAll(outdir = join(root, 'dist')): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const options = buildOptions(outdir);
  await Promise.all([build(options.main), build(options.preload), build(options.renderer), build(options.cli)]);
  copyRendererAssets(join(outdir, 'renderer'));
}

/** The renderer alone (browser mode from sources: `kiosk run --ui-port`). */
export async function buildRenderer(outdir: string): Promise<void> {
  await build({ ...buildOptions(join(outdir, '..')).renderer, outdir });
  copyRendererAssets(outdir);
}

function copyRendererAssets(rendererDir: string): void {
  mkdirSync(join(rendererDir, 'guard'), { recursive: true });
  for (const file of ['index.html', 'guard.css']) cpSync(join(root, 'renderer/guard', file), join(rendererDir, 'guard', file));
  // ZXing-C++'s WebAssembly beside the camera worker, which loads it from there (never from the library's default CDN).
  mkdirSync(join(rendererDir, 'camera'), { recursive: true });
  cpSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'), join(rendererDir, 'camera', 'zxing_reader.wasm'));
}

if (import.meta.main) {
  await buildAll();
  process.stdout.write('built dist/electron, dist/preload, dist/renderer, dist/cli/kiosk.mjs\n');
}
