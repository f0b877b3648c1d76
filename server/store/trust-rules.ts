import { createHash, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { KioskError } from '../../common/errors.ts';
import { trustListSigningBytes, type TrustEntry, type TrustListResponse } from '../../common/wire.ts';
import type { TrustImport, ValueSets } from './store.ts';

/**
 * The EU DCC trust list's rules, the same on both engines: entries are checked before anything is
 * written, each import that changes something is one new version, answers are signed.
 */

export const thumbprint = (rawData: string): string => createHash('sha256').update(Buffer.from(rawData, 'base64')).digest('hex');

/** Every entry must be an X.509 certificate whose SHA-256 starts with its kid: a typo'd or swapped entry is refused. */
export function checkTrustEntries(entries: readonly TrustEntry[]): void {
  for (const [i, e] of entries.entries()) {
    let der: Buffer;
    try {
      der = Buffer.from(e.rawData, 'base64');
      new X509Certificate(der);
    } catch {
      throw new KioskError('bad-request', `entry ${i} (kid ${e.kid}): rawData is not a base64 DER X.509 certificate`);
    }
    const expected = createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
    if (expected !== e.kid) throw new KioskError('bad-request', `entry ${i}: kid ${e.kid} does not match its certificate (expected ${expected})`);
  }
}

export interface TrustImportPlan {
  /** The new version; undefined when nothing changes. */
  version: number | undefined;
  toAdd: Array<[string, TrustEntry]>;
  toRemove: string[];
  /** The value sets to store, when they changed. */
  valueSetsJson: string | undefined;
  outcome: TrustImport;
}

export function planTrustImport(current: readonly string[], entries: readonly TrustEntry[], valueSets: ValueSets | undefined, storedValueSets: string, currentVersion: number): TrustImportPlan {
  const currentSet = new Set(current);
  const wanted = new Map(entries.map((e) => [thumbprint(e.rawData), e]));
  const toAdd = [...wanted].filter(([t]) => !currentSet.has(t));
  const toRemove = [...currentSet].filter((t) => !wanted.has(t));
  const json = valueSets === undefined ? undefined : JSON.stringify(valueSets);
  const valueSetsJson = json !== undefined && json !== storedValueSets ? json : undefined;
  if (toAdd.length === 0 && toRemove.length === 0 && valueSetsJson === undefined) {
    return { version: undefined, toAdd, toRemove, valueSetsJson, outcome: { version: currentVersion, added: 0, removed: 0, unchanged: currentSet.size } };
  }
  const version = currentVersion + 1;
  return { version, toAdd, toRemove, valueSetsJson, outcome: { version, added: toAdd.length, removed: toRemove.length, unchanged: currentSet.size - toRemove.length } };
}

export interface TrustListRow {
  kid: string;
  country: string;
  raw_data: string;
  certificate_type: string;
}

export function signTrustList(
  key: KeyObject,
  list: { version: number; isFull: boolean; since: number; certificates: readonly TrustListRow[]; removed: string[]; valueSetsJson: string; valueSetsVersion: number },
): TrustListResponse {
  const toEntry = (r: TrustListRow): TrustEntry => ({ kid: r.kid, country: r.country, rawData: r.raw_data, ...(r.certificate_type === 'CSCA' ? { certificateType: 'CSCA' as const } : {}) });
  const isValueSetsSent = list.valueSetsJson !== '' && (list.isFull || list.valueSetsVersion > list.since);
  const body = {
    version: list.version,
    isFull: list.isFull,
    certificates: list.certificates.map(toEntry),
    removed: list.removed,
    valueSets: isValueSetsSent ? (JSON.parse(list.valueSetsJson) as ValueSets) : null,
  };
  return { ...body, signature: sign(null, Buffer.from(trustListSigningBytes(body)), key).toString('base64url') };
}
