import type { PolicyConfig } from '../../common/config.ts';
import type { Direction, HealthStatus, Reason, StatusSource, Verdict } from '../../common/verdict.ts';
import type { Credential } from '../payload/types.ts';

/** A status as the status layer found it, with its provenance. */
export interface StatusAnswer {
  source: Exclude<StatusSource, 'none' | 'credential'>;
  status: HealthStatus;
  flags: readonly string[];
  declaredAt: number | null;
  /** Age of the data behind the answer in ms; null when it was fetched for this scan. */
  dataAgeMs: number | null;
}

export interface Decision {
  verdict: Verdict;
  reasons: Reason[];
  source: StatusSource;
  status: HealthStatus;
  dataAgeMs: number | null;
}

export interface DecideInput {
  credential: Credential;
  /** Null when no lookup was made (unreadable credential). */
  status: StatusAnswer | null;
  policy: PolicyConfig;
  direction: Direction;
}

const ACTION_REASON = { allow: 'offline-allow', warn: 'offline-warn', deny: 'offline-deny' } as const satisfies Record<
  Verdict,
  Reason
>;

/**
 * Status + venue policy → verdict. Pure and total. A flagged person is never let through silently:
 * red or F0/F1 denies even when the venue allows unknown status.
 */
export function decide(input: DecideInput): Decision {
  const { credential, status, policy, direction } = input;
  const base = { source: status?.source ?? ('none' as const), status: status?.status ?? ('unknown' as const), dataAgeMs: status?.dataAgeMs ?? null };

  if (credential.assurance === 'unreadable' || credential.subject === null) {
    return { ...base, source: 'none', verdict: 'deny', reasons: dedupe(['unreadable', ...credential.reasons]) };
  }
  if (status === null) {
    return { ...base, verdict: policy.offlineAction, reasons: dedupe([...credential.reasons, 'offline', ACTION_REASON[policy.offlineAction]]) };
  }
  const flagReasons: Reason[] = [];
  if (status.flags.includes('F0')) flagReasons.push('flag-f0');
  if (status.flags.includes('F1')) flagReasons.push('flag-f1');
  const offlineReasons: Reason[] = status.source === 'offline' ? ['offline'] : [];
  const fromRiskList: Reason[] = status.source === 'risk-list' ? ['risk-list'] : [];

  // Leaving is recorded, never blocked: a flagged person must be able to go home.
  if (direction === 'out') {
    return { ...base, verdict: 'allow', reasons: dedupe(['exit-recorded', ...offlineReasons, ...flagReasons]) };
  }

  if (status.status === 'red' || flagReasons.length > 0) {
    return { ...base, verdict: 'deny', reasons: dedupe([...fromRiskList, 'status-red', ...flagReasons, ...offlineReasons]) };
  }
  switch (status.status) {
    case 'green':
      return { ...base, verdict: 'allow', reasons: ['status-green'] };
    case 'yellow':
      return { ...base, verdict: policy.yellowAction, reasons: ['status-yellow'] };
    case 'unknown': {
      if (status.source === 'offline') {
        return { ...base, verdict: policy.offlineAction, reasons: ['offline', ACTION_REASON[policy.offlineAction]] };
      }
      return { ...base, verdict: policy.unknownAction, reasons: ['status-unknown'] };
    }
    default:
      return { ...base, verdict: 'deny', reasons: ['status-unknown'] };
  }
}

function dedupe(reasons: Reason[]): Reason[] {
  return [...new Set(reasons)];
}
