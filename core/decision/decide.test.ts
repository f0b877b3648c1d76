import { describe, expect, it } from 'vitest';
import { VENUE_KINDS } from '../../common/wire.ts';
import type { Credential } from '../payload/types.ts';
import { unreadable } from '../payload/types.ts';
import { decide, type DecideInput, type StatusAnswer } from './decide.ts';
import { DEFAULT_POLICIES, effectivePolicy } from './policy.ts';
import { MODES, policyTable, TABLE_STATUSES } from './policy-table.ts';

const NOW = Date.UTC(2021, 8, 15, 3);
const person: Credential = { format: 'vn-cccd', assurance: 'identity-only', subject: { type: 'cccd', id: '001099012345' }, reasons: [] };
const answer = (a: Partial<StatusAnswer>): StatusAnswer => ({ source: 'online', status: 'green', flags: [], declaredAt: NOW - 3600_000, dataAgeMs: null, ...a });
const run = (over: Partial<DecideInput>) =>
  decide({ credential: person, status: answer({}), policy: DEFAULT_POLICIES.office, direction: 'in', nowMs: NOW, sinceLastEntryMs: null, ...over });

describe('decide', () => {
  it('allows a green status with a current declaration', () => {
    expect(run({})).toMatchObject({ verdict: 'allow', reasons: ['status-green'], source: 'online' });
  });

  it('denies red with the flag as a reason', () => {
    expect(run({ status: answer({ status: 'red', flags: ['F0'] }) })).toMatchObject({ verdict: 'deny', reasons: ['status-red', 'flag-f0'] });
  });

  it('denies an F1 flag even when the status reads green', () => {
    expect(run({ status: answer({ flags: ['F1'] }) }).verdict).toBe('deny');
  });

  it('treats a declaration older than the venue allows as stale', () => {
    const d = run({ status: answer({ declaredAt: NOW - 25 * 3600_000 }) });
    expect(d).toMatchObject({ verdict: 'warn', reasons: ['declaration-stale'] });
    expect(run({ status: answer({ declaredAt: NOW - 25 * 3600_000 }), policy: DEFAULT_POLICIES['bus-station'] }).verdict).toBe('allow');
  });

  it('applies the offline rule, says so, and carries the data age', () => {
    const d = run({ status: answer({ source: 'offline', status: 'unknown', dataAgeMs: 120_000 }), policy: effectivePolicy('office', { offlineAction: 'allow' }) });
    expect(d).toMatchObject({ verdict: 'allow', reasons: ['offline', 'offline-allow'], source: 'offline', dataAgeMs: 120_000 });
  });

  it('denies a person on the risk list while offline, whatever the offline rule', () => {
    const d = run({ status: answer({ source: 'risk-list', status: 'red', dataAgeMs: 3_600_000 }), policy: effectivePolicy('market', { offlineAction: 'allow' }) });
    expect(d).toMatchObject({ verdict: 'deny', reasons: ['risk-list', 'offline'], source: 'risk-list', dataAgeMs: 3_600_000 });
  });

  it('never lets a cached red through while offline', () => {
    expect(run({ status: answer({ source: 'cache', status: 'red', dataAgeMs: 90_000 }), policy: effectivePolicy('market', { offlineAction: 'allow' }) }).verdict).toBe('deny');
  });

  it('denies an unreadable credential without a lookup', () => {
    expect(run({ credential: unreadable('x'), status: null })).toMatchObject({ verdict: 'deny', reasons: ['unreadable'], source: 'none' });
  });

  it('records an exit of a flagged person without blocking it', () => {
    expect(run({ status: answer({ status: 'red', flags: ['F0'] }), direction: 'out' })).toMatchObject({ verdict: 'allow', reasons: ['exit-recorded', 'flag-f0'] });
  });

  it('refuses the same credential entering again within the anti-passback window', () => {
    const policy = effectivePolicy('office', { antiPassbackSeconds: 30 });
    expect(run({ policy, sinceLastEntryMs: 10_000 })).toMatchObject({ verdict: 'deny', reasons: ['anti-passback'] });
    expect(run({ policy, sinceLastEntryMs: 31_000 }).verdict).toBe('allow');
  });

  it('lets anyone in but flagged people where nothing is required', () => {
    const policy = effectivePolicy('other', { requirement: 'none' });
    expect(run({ policy, status: answer({ status: 'unknown', declaredAt: null }) })).toMatchObject({ verdict: 'allow', reasons: ['no-requirement'] });
    expect(run({ policy, status: answer({ status: 'red' }) }).verdict).toBe('deny');
  });

  it('requires a verified vaccination certificate where the venue says so', () => {
    const policy = effectivePolicy('office', { requirement: 'vaccination' });
    expect(run({ policy })).toMatchObject({ verdict: 'deny', reasons: ['certificate-required'] });
    const dcc: Credential = { format: 'eu-dcc', assurance: 'signed-verified', subject: { type: 'dcc', id: 'URN:UVCI:01:NL:X' }, reasons: ['vaccination-valid'] };
    expect(run({ policy, credential: dcc, status: null })).toMatchObject({ verdict: 'allow', source: 'credential' });
  });
});

describe('default policies: venue kind × status × online/offline', () => {
  const cells = policyTable();

  it('covers every combination', () => {
    expect(cells).toHaveLength(VENUE_KINDS.length * TABLE_STATUSES.length * MODES.length);
  });

  it.each(VENUE_KINDS)('%s: never lets a red or F1 person in, online or offline', (kind) => {
    for (const c of cells.filter((x) => x.kind === kind && (x.status === 'red' || x.status === 'F1'))) {
      expect(c.decision.verdict, `${c.status} ${c.mode}`).toBe('deny');
    }
  });

  it.each(VENUE_KINDS)('%s: lets a green person with a current declaration in online', (kind) => {
    expect(cells.find((c) => c.kind === kind && c.status === 'green' && c.mode === 'online')?.decision.verdict).toBe('allow');
  });

  it.each(VENUE_KINDS)('%s: marks every offline decision offline, with the data age', (kind) => {
    for (const c of cells.filter((x) => x.kind === kind && x.mode === 'offline')) {
      expect(c.decision.reasons).toContain('offline');
      expect(c.decision.dataAgeMs).toBe(3_600_000);
    }
  });

  it('matches the recorded table cell by cell', () => {
    // The expected verdicts, written out: a change of a default policy must change this test and docs/policy.md.
    const expected: Record<string, string> = {
      hospital: 'allow warn warn warn deny warn warn warn deny deny deny deny',
      'bus-station': 'allow allow allow allow warn allow warn allow deny deny deny deny',
      school: 'allow warn warn warn deny warn deny warn deny deny deny deny',
      factory: 'allow warn warn warn warn warn deny warn deny deny deny deny',
      market: 'allow allow allow allow warn allow warn allow deny deny deny deny',
      office: 'allow warn warn warn warn warn warn warn deny deny deny deny',
      supermarket: 'allow allow allow allow warn allow warn allow deny deny deny deny',
      government: 'allow warn warn warn warn warn deny warn deny deny deny deny',
      other: 'allow warn warn warn warn warn warn warn deny deny deny deny',
    };
    const actual = Object.fromEntries(
      VENUE_KINDS.map((kind) => [kind, TABLE_STATUSES.flatMap((s) => MODES.map((m) => cells.find((c) => c.kind === kind && c.status === s && c.mode === m)!.decision.verdict)).join(' ')]),
    );
    expect(actual).toEqual(expected);
  });
});
