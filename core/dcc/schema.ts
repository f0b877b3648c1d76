import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import s121 from './schemas/DCC-1.2.1.combined-schema.json' with { type: 'json' };
import s130 from './schemas/DCC-1.3.0.combined-schema.json' with { type: 'json' };
import s131 from './schemas/DCC-1.3.1.combined-schema.json' with { type: 'json' };
import s132 from './schemas/DCC-1.3.2.combined-schema.json' with { type: 'json' };
import s133 from './schemas/DCC-1.3.3.combined-schema.json' with { type: 'json' };

/**
 * The EU DCC combined JSON schemas (1.2.1 … 1.3.3), imported as modules so the bundled kiosk carries
 * them, and compiled once on first use. A certificate is validated against the schema of its
 * `ver`; versions without a combined file upstream (1.0.x, 1.1.0) use the oldest one
 * (docs/conformance.md explains the choice).
 */
const SCHEMAS: ReadonlyArray<[string, object]> = [
  ['1.2.1', s121],
  ['1.3.0', s130],
  ['1.3.1', s131],
  ['1.3.2', s132],
  ['1.3.3', s133],
];

let validators: Map<string, ValidateFunction> | undefined;

function load(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv2020({ allErrors: false, strict: false, validateFormats: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  validators = new Map();
  // Every file shares the same $id; compile each under its own.
  for (const [version, schema] of SCHEMAS) validators.set(version, ajv.compile({ ...schema, $id: `https://kiosk.local/dcc/${version}` }));
  return validators;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The schema for a certificate's `ver`: that version, else the newest not newer, else the oldest. */
const chosen = new Map<string, { version: string; validate: ValidateFunction }>();

export function validatorFor(ver: unknown): { version: string; validate: ValidateFunction } {
  const key = typeof ver === 'string' ? ver : '';
  const cached = chosen.get(key);
  if (cached) return cached;
  const picked = pick(ver);
  if (chosen.size < 64) chosen.set(key, picked);
  return picked;
}

function pick(ver: unknown): { version: string; validate: ValidateFunction } {
  const all = load();
  const versions = [...all.keys()].sort(compareVersions);
  const wanted = typeof ver === 'string' ? ver : '0.0.0';
  const version = all.has(wanted) ? wanted : ([...versions].reverse().find((v) => compareVersions(v, wanted) <= 0) ?? versions[0] ?? '1.2.1');
  return { version, validate: all.get(version) as ValidateFunction };
}
