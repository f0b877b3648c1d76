import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, parseConfig } from './config.ts';

/** Every key of the schema, dotted: the documentation must name each of them. */
function keysOf(schema: unknown, prefix = ''): string[] {
  const node = schema as { type?: string; properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[] };
  const keys: string[] = [];
  for (const variant of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) keys.push(...keysOf(variant, prefix));
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    keys.push(path, ...keysOf(v, path));
  }
  return keys;
}

describe('config schema', () => {
  it('is documented key by key in docs/config.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'config.md'), 'utf8');
    // A lamp or buzzer takes the same keys as any output (documented once as `output.*`); the three
    // verdicts take the same actuation keys (documented once under `actuation.allow.*`).
    const leaves = [...new Set(keysOf(z.toJSONSchema(configSchema, { io: 'input' })).map((k) => k.replace(/^indicator\.(green|red|amber|buzzer)\./, 'output.').replace(/^actuation\.(warn|deny)\./, 'actuation.allow.')))].filter(
      (k) => !['server', 'store', 'device', 'scanner', 'gate', 'policy', 'upload', 'privacy', 'venue', 'indicator', 'sensor', 'actuation', 'actuation.allow', 'actuation.warn', 'actuation.deny'].includes(k),
    );
    expect(leaves.length).toBeGreaterThan(25);
    const missing = leaves.filter((k) => !doc.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });

  it('fills defaults and resolves suffix names', () => {
    const parsed = parseConfig({ store: { path: 'k.db' }, scanner: { kind: 'serial', path: '/dev/ttyACM0', suffix: 'CRLF' }, gate: { kind: 'fake' } });
    expect(parsed.ok && parsed.config).toMatchObject({
      scanner: { suffix: '\r\n', baudRate: 9600, interByteTimeoutMs: 50 },
      gate: { pulseMs: 800 },
      venue: { kind: 'other' },
      policy: {},
      duplicateWindowMs: 2000,
    });
  });

  it('names every wrong field at once', () => {
    const parsed = parseConfig({ store: {}, scanner: { kind: 'serial' }, gate: { kind: 'fake', pulseMs: 0 }, typo: true });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map((p) => p.field).sort()).toEqual(['gate.pulseMs', 'scanner.path', 'store.path', 'typo']);
  });
});
