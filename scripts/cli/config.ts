import { readConfigFile } from '../../core/runtime/config-file.ts';
import { printJson } from './output.ts';

/** `kiosk config check FILE`: names every wrong field; exit 0 when valid, 2 when not. */
export function configCheck(file: string, options: { json?: boolean }): void {
  const loaded = readConfigFile(file);
  if (options.json) {
    printJson(loaded.ok ? { ok: true, path: loaded.path, config: loaded.config } : { ok: false, path: loaded.path, problems: loaded.problems });
  } else if (loaded.ok) {
    process.stdout.write(`${loaded.path}: valid\n`);
  } else {
    process.stderr.write(`${loaded.path}: ${loaded.problems.length} problem(s)\n`);
    for (const p of loaded.problems) process.stderr.write(`  ${p.field}: ${p.message}\n`);
  }
  process.exit(loaded.ok ? 0 : 2);
}
