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

/**
 * Real issuers' encodings the EU reference verifiers accepted although the schema says otherwise,
 * field by field (docs/conformance.md gives the sources). Only these fields are relaxed; every
 * other field is validated exactly as the schema says.
 *
 * A date-time where the schema says date: the vaccination date `v.dt` and the recovery dates
 * `r.fr`, `r.df`, `r.du`. The date the issuer wrote (before the `T`) is the date meant.
 */
const DATE_FIELDS: ReadonlyArray<readonly ['v' | 'r', string]> = [
  ['v', 'dt'],
  ['r', 'fr'],
  ['r', 'df'],
  ['r', 'du'],
];
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;

function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

export interface SchemaCheck {
  version: string;
  isValid: boolean;
  /** For a technician: the first violation, as a JSON pointer and what the schema wants. */
  error?: string;
  /** Each leniency applied, e.g. `/v/0/dt: date-time read as its date 2021-03-18`. */
  leniencies: string[];
  /** The payload as validated: relaxed fields rewritten to what the schema expects. */
  normalized: Record<string, unknown>;
}

/**
 * The certificate against the schema of its `ver`, after the per-field leniencies, plus the rule
 * the schema cannot express (DCC spec, vol. 4): exactly one of v, t, r, holding exactly one entry.
 */
export function checkSchema(payload: Record<string, unknown>): SchemaCheck {
  const leniencies: string[] = [];
  const normalized: Record<string, unknown> = { ...payload };
  for (const [group, field] of DATE_FIELDS) {
    const list = normalized[group];
    if (!Array.isArray(list)) continue;
    normalized[group] = list.map((entry: unknown, i) => {
      if (entry === null || typeof entry !== 'object') return entry;
      const value = (entry as Record<string, unknown>)[field];
      const date = typeof value === 'string' ? DATE_TIME.exec(value)?.[1] : undefined;
      // Not a calendar date: left as written, so the schema's complaint quotes the issuer's text.
      if (date === undefined || !isCalendarDate(date)) return entry;
      leniencies.push(`/${group}/${i}/${field}: date-time ${value as string} read as its date ${date}`);
      return { ...(entry as Record<string, unknown>), [field]: date };
    });
  }
  const { version, validate } = validatorFor(payload.ver);
  if (validate(normalized) !== true) {
    const e = validate.errors?.[0];
    return { version, isValid: false, error: e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'} (schema ${version})` : `invalid under schema ${version}`, leniencies, normalized };
  }
  const groups = (['v', 't', 'r'] as const).filter((k) => payload[k] !== undefined);
  const only = groups.length === 1 ? payload[groups[0] as 'v' | 't' | 'r'] : undefined;
  if (!Array.isArray(only) || only.length !== 1) {
    return { version, isValid: false, error: `exactly one of v, t, r with exactly one entry is required (found ${groups.map((g) => `${g}: ${Array.isArray(payload[g]) ? (payload[g] as unknown[]).length : 'not a list'}`).join(', ') || 'none'})`, leniencies, normalized };
  }
  return { version, isValid: true, leniencies, normalized };
}
