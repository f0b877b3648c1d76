import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseConfig, type ConfigProblem, type KioskConfig } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';

export type LoadedConfig = { ok: true; config: KioskConfig; path: string } | { ok: false; path: string; problems: ConfigProblem[] };

/**
 * Reads and validates a config file. Relative paths inside it (store, key) are resolved against
 * the file's directory, so a config works from any working directory.
 */
export function readConfigFile(path: string): LoadedConfig {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    return { ok: false, path: abs, problems: [{ field: '(file)', message: `cannot read ${abs}: ${(err as Error).message}` }] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, path: abs, problems: [{ field: '(file)', message: `not valid JSON (truncated or hand-edited?): ${(err as Error).message}` }] };
  }
  const parsed = parseConfig(raw);
  if (!parsed.ok) return { ok: false, path: abs, problems: parsed.problems };
  return { ok: true, path: abs, config: resolvePaths(parsed.config, dirname(abs)) };
}

export function loadConfigFile(path: string): KioskConfig {
  const loaded = readConfigFile(path);
  if (!loaded.ok) {
    const [first] = loaded.problems;
    const more = loaded.problems.length > 1 ? ` (and ${loaded.problems.length - 1} more)` : '';
    throw new KioskError('config-invalid', `config ${loaded.path} is invalid: ${first?.field}: ${first?.message}${more}`, {
      details: { problems: loaded.problems, field: loaded.problems[0]?.field },
    });
  }
  return loaded.config;
}

function resolvePaths(config: KioskConfig, base: string): KioskConfig {
  const at = (p: string) => (p === ':memory:' || isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    store: { ...config.store, path: at(config.store.path) },
    ...(config.device ? { device: { ...config.device, keyFile: at(config.device.keyFile) } } : {}),
  };
}
