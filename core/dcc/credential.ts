import type { Reason } from '../../common/verdict.ts';
import type { DccVerifier } from '../payload/parse.ts';
import { maskName } from '../payload/text.ts';
import { unreadable, type Credential } from '../payload/types.ts';
import type { ValueSets } from '../lists/trust-list-store.ts';
import { validatorFor } from './schema.ts';
import { TrustStore } from './trust.ts';
import { displayOf } from './value-sets.ts';
import { verifyDcc, type DccResult } from './verify.ts';

/**
 * A verification result as the pipeline's Credential. Only the certificate identifier (UVCI) is
 * kept as the subject; the name is masked for the guard, the date of birth dropped.
 */
export function dccCredential(result: DccResult, valueSets: ValueSets | null = null): Credential {
  if (result.payload === null) return unreadable(`EU DCC: ${result.problem ?? 'not readable'}`, 'eu-dcc');
  const nam = result.payload.nam as { fn?: unknown; gn?: unknown; fnt?: unknown } | undefined;
  const family = typeof nam?.fn === 'string' ? nam.fn : typeof nam?.fnt === 'string' ? nam.fnt : '';
  const given = typeof nam?.gn === 'string' ? nam.gn : '';
  const displayName = maskName(`${family} ${given}`);
  const entry = result.type ? (result.payload[result.type] as Array<Record<string, unknown>>)[0] : undefined;
  const facts: Record<string, string | number | boolean> = {};
  if (result.type) facts.type = result.type;
  if (typeof entry?.co === 'string') facts.country = entry.co;
  if (typeof entry?.dn === 'number' && typeof entry.sd === 'number') facts.dose = `${entry.dn}/${entry.sd}`;
  // Value sets turn codes into what a guard recognises ("Comirnaty", "Rapid antigen test").
  const product = typeof entry?.mp === 'string' ? entry.mp : typeof entry?.tt === 'string' ? entry.tt : undefined;
  if (product !== undefined) facts.product = displayOf(result.type === 't' ? 'covid-19-lab-test-type' : 'vaccines-covid-19-names', product, valueSets) ?? product;
  // The issuer's number: one beyond what a date can hold is shown as nothing rather than thrown.
  if (result.expiresAtMs !== undefined && Math.abs(result.expiresAtMs) <= 8.64e15) facts.expiresAt = new Date(result.expiresAtMs).toISOString();
  const isVerified = result.verdict === 'allow';
  const reasons: Reason[] = result.reasons.length > 0 ? [...result.reasons] : ['signature-unknown-key'];
  return {
    format: 'eu-dcc',
    // A decoded certificate that fails a check still names its UVCI: the record traces it.
    assurance: isVerified ? 'signed-verified' : 'identity-only',
    subject: result.certificateId ? { type: 'dcc', id: result.certificateId.slice(0, 128) } : null,
    ...(displayName ? { displayName } : {}),
    reasons: isVerified ? [...result.reasons] : reasons,
    ...(isVerified ? {} : { problem: `EU DCC: ${result.problem ?? reasons.join(', ')}` }),
    facts,
  };
}

/** No trust list yet: every signature is by an unknown key (deny), never "not checked". */
const EMPTY = new TrustStore([]);

export interface DccVerifierOptions {
  trust: () => TrustStore | null;
  nowMs: () => number;
  clockSkewMs?: number;
  valueSets?: () => ValueSets | null;
}

/** The pipeline's verifier: the current trust list, value sets and the kiosk's clock at each scan. */
export function createDccVerifier(options: DccVerifierOptions): DccVerifier {
  // Compiling the schemas takes ~100 ms: pay it at start, not at the first traveller's scan.
  validatorFor('1.3.0');
  return (text) => {
    const valueSets = options.valueSets?.() ?? null;
    return dccCredential(
      verifyDcc(text, { trust: options.trust() ?? EMPTY, nowMs: options.nowMs(), valueSets, ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }) }),
      valueSets,
    );
  };
}
