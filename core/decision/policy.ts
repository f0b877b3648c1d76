import type { VenueKind } from '../../common/wire.ts';
import type { Verdict } from '../../common/verdict.ts';

/**
 * Venue policies: what a venue requires and what it does when it cannot know. Defaults per venue
 * kind follow the 2021 provincial directives' spirit: hospitals and schools protect vulnerable people
 * and refuse what they cannot check; transport and markets keep people moving, recording doubts for
 * review. docs/policy.md shows the full decision table generated from `policyTable()`.
 */
export const REQUIREMENTS = ['declaration', 'vaccination', 'none'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];
export type Action = Verdict;

export interface VenuePolicy {
  /** What a person must have: a current health declaration, a verified vaccination certificate, or nothing (record only). */
  requirement: Requirement;
  /** A declaration older than this is stale. */
  declarationMaxAgeHours: number;
  yellowAction: Action;
  /** The server has no declaration for the person. */
  unknownAction: Action;
  /** The declaration is older than `declarationMaxAgeHours`. */
  staleAction: Action;
  /** The status cannot be learnt (server unreachable or too slow) and the risk list does not name the person. */
  offlineAction: Action;
  /** The same credential entering again within this many seconds is refused (0 = off). */
  antiPassbackSeconds: number;
  /** Whether an amber verdict opens the gate (the guard checks at the door). */
  shouldOpenOnWarn: boolean;
}

const base: VenuePolicy = {
  requirement: 'declaration',
  declarationMaxAgeHours: 24,
  yellowAction: 'warn',
  unknownAction: 'warn',
  staleAction: 'warn',
  offlineAction: 'warn',
  antiPassbackSeconds: 0,
  shouldOpenOnWarn: true,
};

export const DEFAULT_POLICIES: Readonly<Record<VenueKind, VenuePolicy>> = {
  hospital: { ...base, unknownAction: 'warn', offlineAction: 'warn', yellowAction: 'deny', shouldOpenOnWarn: false },
  'bus-station': { ...base, declarationMaxAgeHours: 72, offlineAction: 'allow', staleAction: 'allow' },
  school: { ...base, unknownAction: 'deny', yellowAction: 'deny', offlineAction: 'warn', shouldOpenOnWarn: false, antiPassbackSeconds: 60 },
  factory: { ...base, unknownAction: 'deny', offlineAction: 'warn', antiPassbackSeconds: 60 },
  market: { ...base, declarationMaxAgeHours: 72, offlineAction: 'allow', staleAction: 'allow', unknownAction: 'warn' },
  office: { ...base, antiPassbackSeconds: 30 },
  supermarket: { ...base, declarationMaxAgeHours: 72, offlineAction: 'allow', staleAction: 'allow' },
  government: { ...base, unknownAction: 'deny', offlineAction: 'warn' },
  other: { ...base },
};

export function effectivePolicy(kind: VenueKind, overrides: Partial<VenuePolicy>): VenuePolicy {
  const defaults = DEFAULT_POLICIES[kind];
  const merged: VenuePolicy = { ...defaults };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof VenuePolicy, VenuePolicy[keyof VenuePolicy] | undefined]>) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}
