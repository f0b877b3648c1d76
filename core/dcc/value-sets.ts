import type { ValueSets } from '../lists/trust-list-store.ts';
import BUNDLED from './value-sets/eu-dcc-value-sets.json' with { type: 'json' };

/**
 * The EU value sets every coded field of a DCC entry must come from. The JSON schema only names
 * them (`valueset-uri`, an annotation), so a schema-valid certificate can still carry a code no
 * member state uses: a typo, a local code, a forgery. This is its own verification stage.
 */
export const BUNDLED_VALUE_SETS: ValueSets = BUNDLED;

/** Field → value set, per entry group (test `ma` is a device, vaccination `ma` a manufacturer). */
const CODED_FIELDS: Readonly<Record<'v' | 't' | 'r', Readonly<Record<string, string>>>> = {
  v: { tg: 'disease-agent-targeted', vp: 'sct-vaccines-covid-19', mp: 'vaccines-covid-19-names', ma: 'vaccines-covid-19-auth-holders', co: 'country-2-codes' },
  t: { tg: 'disease-agent-targeted', tt: 'covid-19-lab-test-type', ma: 'covid-19-lab-test-manufacturer-and-name', tr: 'covid-19-lab-result', co: 'country-2-codes' },
  r: { tg: 'disease-agent-targeted', co: 'country-2-codes' },
};

/** LOINC "Rapid immunoassay" (value set covid-19-lab-test-type). */
const RAPID_ANTIGEN_TEST = 'LP217198-3';

export interface ValueSetFailure {
  /** JSON pointer of the field, e.g. `/t/0/ma`. */
  path: string;
  code: unknown;
  valueSet: string;
}

/**
 * Every coded field of every entry that is not in its value set. A code counts as known when the
 * bundled snapshot or the server's synced sets hold it: the server's sets add what the EU added
 * since the kiosk was built, and a partial server list cannot drop a code the snapshot knows.
 * Absent optional fields (a PCR test has no `ma`) are the schema's business, not checked here.
 * Null when the payload has no entry to check.
 */
export function valueSetFailures(payload: Record<string, unknown>, synced: ValueSets | null): ValueSetFailure[] | null {
  const failures: ValueSetFailure[] = [];
  let entries = 0;
  for (const group of ['v', 't', 'r'] as const) {
    const list = payload[group];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, i) => {
      if (entry === null || typeof entry !== 'object') return;
      entries++;
      for (const [field, valueSet] of Object.entries(CODED_FIELDS[group])) {
        if (!(field in entry)) continue;
        // The device list names rapid antigen tests only; an `ma` on a NAAT test is not a code of
        // it (the EU rule TR-EU-0002 checks it for RAT only, and so do we).
        if (group === 't' && field === 'ma' && (entry as Record<string, unknown>).tt !== RAPID_ANTIGEN_TEST) continue;
        const code = (entry as Record<string, unknown>)[field];
        if (typeof code === 'string' && (isIn(BUNDLED_VALUE_SETS, valueSet, code) || isIn(synced, valueSet, code))) continue;
        failures.push({ path: `/${group}/${i}/${field}`, code, valueSet });
      }
    });
  }
  return entries === 0 ? null : failures;
}

function isIn(sets: ValueSets | null, valueSet: string, code: string): boolean {
  const set = sets?.[valueSet];
  return set !== undefined && Object.hasOwn(set, code);
}

/** The display name of a code (the synced name first: the server may word it for the guards). */
export function displayOf(valueSet: string, code: string, synced: ValueSets | null): string | undefined {
  return (isIn(synced, valueSet, code) ? synced?.[valueSet]?.[code] : undefined) ?? (isIn(BUNDLED_VALUE_SETS, valueSet, code) ? BUNDLED_VALUE_SETS[valueSet]?.[code] : undefined);
}

export function describeValueSetFailure(f: ValueSetFailure): string {
  return `${f.path} ${JSON.stringify(f.code)} is not in the EU value set ${f.valueSet}`;
}
