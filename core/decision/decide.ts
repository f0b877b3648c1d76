import type { Direction, HealthStatus, Reason, StatusSource, Verdict } from '../../common/verdict.ts';
import type { Credential } from '../payload/types.ts';
import type { VenuePolicy } from './policy.ts';

/** A status as the status layer found it, with its provenance. */
export interface StatusAnswer {
  source: Exclude<StatusSource, 'none' | 'credential'>;
  status: HealthStatus;
  flags: readonly string[];
  declaredAt: number | null;
  /** Age of the data behind the answer in ms; null when it was fetched for this scan. */
  dataAgeMs: number | null;
}

/** A value: the pipeline adds to a decision by making a new one, never by changing this one. */
export interface Decision {
  readonly verdict: Verdict;
  readonly reasons: readonly Reason[];
  readonly source: StatusSource;
  readonly status: HealthStatus;
  readonly dataAgeMs: number | null;
}

export interface DecideInput {
  credential: Credential;
  /** Null when no lookup was made (unreadable credential, or a signed credential that needs none). */
  status: StatusAnswer | null;
  policy: VenuePolicy;
  direction: Direction;
  nowMs: number;
  /** How long ago the same credential was let in through this kiosk; null when not recently. */
  sinceLastEntryMs: number | null;
}

const ACTION_REASON = { allow: 'offline-allow', warn: 'offline-warn', deny: 'offline-deny' } as const satisfies Record<Verdict, Reason>;

/**
 * Credential + status + venue policy → verdict, pure and total. Invariants (tested in
 * decide.test.ts and shown in docs/policy.md): a red status, an F0/F1 flag or a risk-list hit is
 * denied whatever the policy; leaving is recorded and never blocked; an offline decision always
 * carries `offline` and the age of the data it used.
 */
export function decide(input: DecideInput): Decision {
  const { credential, status, policy, direction } = input;
  const source: StatusSource = status?.source ?? (credential.assurance === 'signed-verified' ? 'credential' : 'none');
  const base = { source, status: status?.status ?? ('unknown' as const), dataAgeMs: status?.dataAgeMs ?? null };
  const decision = (verdict: Verdict, reasons: readonly Reason[]): Decision => ({ ...base, verdict, reasons: [...new Set(reasons)] });

  if (credential.assurance === 'unreadable' || (credential.subject === null && credential.assurance !== 'signed-verified')) {
    return { ...decision('deny', ['unreadable', ...credential.reasons]), source: 'none' };
  }
  const flags: Reason[] = [];
  if (status?.flags.includes('F0')) flags.push('flag-f0');
  if (status?.flags.includes('F1')) flags.push('flag-f1');
  const isOffline = status?.source === 'offline' || status?.source === 'risk-list';
  const offline: Reason[] = isOffline ? ['offline'] : [];

  // Leaving is recorded, never blocked: a flagged person must be able to go home.
  if (direction === 'out') return decision('allow', ['exit-recorded', ...offline, ...flags]);

  // A certificate that failed a check (signature, expiry, key usage, schema) proves nothing.
  if (credential.format === 'eu-dcc' && credential.assurance !== 'signed-verified') {
    return { ...decision('deny', credential.reasons.length > 0 ? credential.reasons : ['signature-invalid']), source: 'credential' };
  }
  if (status?.source === 'risk-list') return decision('deny', ['risk-list', 'offline', ...flags]);
  if (status?.status === 'red' || flags.length > 0) return decision('deny', ['status-red', ...flags, ...offline]);
  if (input.sinceLastEntryMs !== null && policy.antiPassbackSeconds > 0 && input.sinceLastEntryMs < policy.antiPassbackSeconds * 1000) {
    return decision('deny', ['anti-passback', ...credential.reasons]);
  }

  switch (policy.requirement) {
    case 'none':
      return decision('allow', ['no-requirement', ...offline, ...credential.reasons]);
    case 'vaccination':
      if (credential.assurance === 'signed-verified' && credential.reasons.some((r) => r === 'vaccination-valid' || r === 'recovery-valid')) {
        return decision('allow', credential.reasons);
      }
      return decision('deny', ['certificate-required', ...credential.reasons]);
    case 'declaration':
      break;
    default:
      return decision('deny', ['certificate-required']);
  }

  // A signed certificate verified offline stands for itself (test, vaccination or recovery).
  if (credential.assurance === 'signed-verified' && status === null) return decision('allow', credential.reasons);
  if (status === null || status.source === 'offline') {
    return decision(policy.offlineAction, ['offline', ACTION_REASON[policy.offlineAction], ...credential.reasons]);
  }
  switch (status.status) {
    case 'green': {
      if (status.declaredAt === null) return decision(policy.unknownAction, ['declaration-missing', ...credential.reasons]);
      if (input.nowMs - status.declaredAt > policy.declarationMaxAgeHours * 3600_000) {
        return decision(policy.staleAction, ['declaration-stale', ...credential.reasons]);
      }
      return decision('allow', ['status-green', ...credential.reasons]);
    }
    case 'yellow':
      return decision(policy.yellowAction, ['status-yellow', ...credential.reasons]);
    case 'unknown':
      return decision(policy.unknownAction, ['status-unknown', ...credential.reasons]);
    default:
      return decision('deny', ['status-red']);
  }
}
