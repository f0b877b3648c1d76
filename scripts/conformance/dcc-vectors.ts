import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TrustEntry } from '../../common/wire.ts';
import type { Inspection } from '../../core/dcc/inspect.ts';
import { kidOf } from '../../core/dcc/trust.ts';

/**
 * The EU DCC conformance harness over ../shared/testdata/dcc (dgc-testdata RAW files): each
 * EXPECTED* key of each vector becomes one check of `kiosk verify` output. Used by the vitest suite
 * (in-process) and scripts/conformance/run.ts (through the real CLI) → docs/conformance.md.
 */
export const DCC_TESTDATA: string | undefined = [process.env.KIOSK_DCC_TESTDATA, join(import.meta.dirname, '../../../shared/testdata/dcc'), '/work/shared/testdata/dcc'].find(
  (p): p is string => p !== undefined && existsSync(join(p, 'known_issues.csv')),
);

export const EXPECTATIONS = [
  'EXPECTEDPICTUREDECODE',
  'EXPECTEDUNPREFIX',
  'EXPECTEDB45DECODE',
  'EXPECTEDCOMPRESSION',
  'EXPECTEDDECODE',
  'EXPECTEDVALIDJSON',
  'EXPECTEDVERIFY',
  'EXPECTEDSCHEMAVALIDATION',
  'EXPECTEDEXPIRATIONCHECK',
  'EXPECTEDKEYUSAGE',
] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

/** The stage of `kiosk verify` each expectation reads (VALIDJSON and PICTUREDECODE compare text). */
const STAGE_OF = {
  EXPECTEDPICTUREDECODE: 'image',
  EXPECTEDUNPREFIX: 'prefix',
  EXPECTEDB45DECODE: 'base45',
  EXPECTEDCOMPRESSION: 'zlib',
  EXPECTEDDECODE: 'cbor',
  EXPECTEDVALIDJSON: 'cbor',
  EXPECTEDVERIFY: 'signature',
  EXPECTEDSCHEMAVALIDATION: 'schema',
  EXPECTEDEXPIRATIONCHECK: 'expiry',
  EXPECTEDKEYUSAGE: 'keyUsage',
} as const satisfies Record<Expectation, keyof Inspection['stages']>;

/** known_issues.csv test names → the expectation they dispute. */
const KNOWN_ISSUE_TESTS: Record<string, Expectation> = {
  test_cose_schema: 'EXPECTEDSCHEMAVALIDATION',
  test_cose_json: 'EXPECTEDVALIDJSON',
  test_cbor_json: 'EXPECTEDVALIDJSON',
  test_verification_check: 'EXPECTEDVERIFY',
  test_expiration_check: 'EXPECTEDEXPIRATIONCHECK',
  test_expected_key_usage: 'EXPECTEDKEYUSAGE',
};

export interface Vector {
  /** `NL/096-NL-vaccination` */
  id: string;
  country: string;
  set: string;
  prefix: string;
  json: unknown;
  png: Uint8Array | undefined;
  trust: TrustEntry[];
  clock: string | undefined;
  expected: Partial<Record<Expectation, boolean>>;
}

export function loadVectors(root = DCC_TESTDATA as string): Vector[] {
  const vectors: Vector[] = [];
  for (const country of readdirSync(root).sort()) {
    const dir = join(root, country, '2DCode', 'raw');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const ctx = (raw.TESTCTX ?? {}) as Record<string, unknown>;
      const results = (raw.EXPECTEDRESULTS ?? {}) as Record<string, unknown>;
      const cert = typeof ctx.CERTIFICATE === 'string' ? ctx.CERTIFICATE : undefined;
      const expected: Partial<Record<Expectation, boolean>> = {};
      for (const e of EXPECTATIONS) if (typeof results[e] === 'boolean') expected[e] = results[e];
      vectors.push({
        id: `${country}/${basename(file, '.json')}`,
        country,
        set: basename(file, '.json'),
        prefix: typeof raw.PREFIX === 'string' ? raw.PREFIX : '',
        json: raw.JSON,
        png: typeof raw['2DCODE'] === 'string' ? Buffer.from(raw['2DCODE'], 'base64') : undefined,
        trust: cert ? [{ kid: kidOf(Buffer.from(cert, 'base64')), country, rawData: cert }] : [],
        clock: typeof ctx.VALIDATIONCLOCK === 'string' ? ctx.VALIDATIONCLOCK : undefined,
        expected,
      });
    }
  }
  return vectors;
}

export interface KnownIssue {
  expectation: Expectation;
  country: string;
  set: string;
  reason: string;
}

export function loadKnownIssues(root = DCC_TESTDATA as string): KnownIssue[] {
  const lines = readFileSync(join(root, 'known_issues.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  return lines.flatMap((line) => {
    const [test = '', country = '', set = '', reason = ''] = line.split(',');
    const expectation = KNOWN_ISSUE_TESTS[test];
    return expectation ? [{ expectation, country, set, reason }] : [];
  });
}

export function disputeOf(vector: Vector, expectation: Expectation, issues: readonly KnownIssue[]): KnownIssue | undefined {
  return issues.find((i) => i.expectation === expectation && i.country === vector.country && (i.set === '' || i.set === vector.set));
}

/** What the verifier is asked: the QR text (or the picture), the vector's certificate, its clock. */
export interface RunInput {
  text?: string;
  png?: Uint8Array;
  trust: TrustEntry[];
  at: string | undefined;
}
export type Runner = (input: RunInput) => Promise<Inspection>;

export interface CheckResult {
  vector: string;
  expectation: Expectation;
  expected: boolean;
  actual: boolean | null;
  isPass: boolean;
  dispute: KnownIssue | undefined;
  problem: string | undefined;
}

/**
 * A true expectation passes when its stage is true (VALIDJSON: the payload equals the vector's JSON;
 * PICTUREDECODE: the picture decodes to the vector's QR text). A false one passes when the stage is
 * false, or was not reached because an earlier stage already failed: the certificate was refused.
 */
export async function checkVector(vector: Vector, run: Runner, issues: readonly KnownIssue[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const keys = Object.keys(vector.expected) as Expectation[];
  if (keys.length === 0) return results;
  const textRun = keys.some((k) => k !== 'EXPECTEDPICTUREDECODE') ? await run({ text: vector.prefix, trust: vector.trust, at: vector.clock }) : undefined;
  const imageRun = keys.includes('EXPECTEDPICTUREDECODE') && vector.png ? await run({ png: vector.png, trust: vector.trust, at: vector.clock }) : undefined;
  for (const expectation of keys) {
    const expected = vector.expected[expectation] as boolean;
    const out = expectation === 'EXPECTEDPICTUREDECODE' ? imageRun : textRun;
    let actual: boolean | null;
    if (!out) actual = false;
    else if (expectation === 'EXPECTEDPICTUREDECODE') actual = out.stages.image === true && out.text === vector.prefix;
    else if (expectation === 'EXPECTEDVALIDJSON') actual = out.stages.cbor === true && jsonEquals(out.payload, vector.json);
    else actual = out.stages[STAGE_OF[expectation]];
    const wasRefusedEarlier = out !== undefined && actual === null && Object.values(out.stages).some((s) => s === false);
    const isPass = expected ? actual === true : actual === false || wasRefusedEarlier;
    const problem = out?.problem ?? (out === undefined ? 'the vector has no 2DCODE picture to decode' : undefined);
    results.push({ vector: vector.id, expectation, expected, actual, isPass, dispute: disputeOf(vector, expectation, issues), problem });
  }
  return results;
}

/** Deep equality with date-times compared as instants (CBOR issuers write them in several forms). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]).sort(([x], [y]) => String(x).localeCompare(String(y))));
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? `@${ms}` : v;
  }
  return v;
}

export interface Summary {
  byExpectation: Record<string, { pass: number; total: number; disputed: number; disputedPass: number }>;
  pass: number;
  total: number;
  rate: number;
  failures: CheckResult[];
  disputed: CheckResult[];
}

export function summarize(results: readonly CheckResult[]): Summary {
  const byExpectation: Summary['byExpectation'] = {};
  for (const e of EXPECTATIONS) byExpectation[e] = { pass: 0, total: 0, disputed: 0, disputedPass: 0 };
  for (const r of results) {
    const row = byExpectation[r.expectation] as Summary['byExpectation'][string];
    if (r.dispute) {
      row.disputed++;
      if (r.isPass) row.disputedPass++;
    } else {
      row.total++;
      if (r.isPass) row.pass++;
    }
  }
  const counted = results.filter((r) => !r.dispute);
  const pass = counted.filter((r) => r.isPass).length;
  return { byExpectation, pass, total: counted.length, rate: pass / counted.length, failures: counted.filter((r) => !r.isPass), disputed: results.filter((r) => r.dispute) };
}
