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

describe('decide: the paths a guard sees less often', () => {
  const dcc = (over: Partial<Credential> = {}): Credential => ({ format: 'eu-dcc', assurance: 'signed-verified', subject: { type: 'dcc', id: 'URN:UVCI:01:NL:X' }, reasons: ['vaccination-valid'], ...over });

  it('records a credential that names nobody as unreadable: no status, no source, the payload reasons kept', () => {
    const noSubject: Credential = { format: 'vn-cccd', assurance: 'identity-only', subject: null, reasons: ['scanner-mode-ascii'] };
    expect(run({ credential: noSubject, status: null })).toEqual({ verdict: 'deny', reasons: ['unreadable', 'scanner-mode-ascii'], source: 'none', status: 'unknown', dataAgeMs: null });
    expect(run({ credential: unreadable('cut short', 'unknown', ['timeout']), status: null }).reasons).toEqual(['unreadable', 'timeout']);
  });

  it('allows a verified certificate that carries no UVCI (the signature is what counts)', () => {
    expect(run({ credential: dcc({ subject: null }), status: null })).toEqual({ verdict: 'allow', reasons: ['vaccination-valid'], source: 'credential', status: 'unknown', dataAgeMs: null });
  });

  it('denies a certificate that failed a check, with the checks that failed, whatever the venue requires', () => {
    for (const requirement of ['declaration', 'vaccination', 'none'] as const) {
      const policy = effectivePolicy('market', { requirement });
      expect(run({ policy, credential: dcc({ assurance: 'identity-only', reasons: ['dcc-expired', 'key-usage'] }), status: null })).toEqual({
        verdict: 'deny',
        reasons: ['dcc-expired', 'key-usage'],
        source: 'credential',
        status: 'unknown',
        dataAgeMs: null,
      });
      expect(run({ policy, credential: dcc({ assurance: 'identity-only', reasons: [] }), status: null })).toMatchObject({ verdict: 'deny', reasons: ['signature-invalid'] });
    }
  });

  it('still records the exit of a person with a failed certificate', () => {
    expect(run({ credential: dcc({ assurance: 'identity-only', reasons: ['dcc-expired'] }), status: null, direction: 'out' })).toMatchObject({ verdict: 'allow', reasons: ['exit-recorded'] });
  });

  it('allows a verified certificate at a declaration venue without a status lookup, for its own reasons', () => {
    expect(run({ credential: dcc({ reasons: ['test-valid'] }), status: null })).toEqual({ verdict: 'allow', reasons: ['test-valid'], source: 'credential', status: 'unknown', dataAgeMs: null });
  });

  it('applies the offline rule to an identity credential for which no status came back', () => {
    const policy = effectivePolicy('office', { offlineAction: 'deny' });
    expect(run({ policy, status: null })).toEqual({ verdict: 'deny', reasons: ['offline', 'offline-deny'], source: 'none', status: 'unknown', dataAgeMs: null });
  });

  it('marks every decision made offline, on every path (invariant 3 of docs/policy.md)', () => {
    const offline = answer({ source: 'offline', status: 'unknown', declaredAt: null, dataAgeMs: 60_000 });
    const riskListF1 = answer({ source: 'risk-list', status: 'red', flags: ['F1'], dataAgeMs: 60_000 });
    expect(run({ status: offline, direction: 'out' }).reasons).toEqual(['exit-recorded', 'offline']);
    expect(run({ status: riskListF1, direction: 'out' }).reasons).toEqual(['exit-recorded', 'offline', 'flag-f1']);
    expect(run({ status: riskListF1 }).reasons).toEqual(['risk-list', 'offline', 'flag-f1']);
    expect(run({ status: offline, policy: effectivePolicy('other', { requirement: 'none' }) }).reasons).toEqual(['no-requirement', 'offline']);
    // An offline answer that somehow carries a flag is denied as red, and still marked offline.
    expect(run({ status: answer({ source: 'offline', flags: ['F0'], dataAgeMs: 60_000 }) })).toMatchObject({ verdict: 'deny', reasons: ['status-red', 'flag-f0', 'offline'] });
    // Online, the same paths carry no `offline`.
    expect(run({ direction: 'out' }).reasons).toEqual(['exit-recorded']);
    expect(run({ status: answer({ source: 'cache', flags: ['F0'] }) }).reasons).toEqual(['status-red', 'flag-f0']);
  });

  it('names an F1 flag as such', () => {
    expect(run({ status: answer({ flags: ['F1'] }) }).reasons).toEqual(['status-red', 'flag-f1']);
    expect(run({ status: answer({ status: 'red', flags: ['F0', 'F1'] }) }).reasons).toEqual(['status-red', 'flag-f0', 'flag-f1']);
  });

  it('ends the anti-passback window at exactly its length, keeps the payload reasons, and is off at 0', () => {
    const policy = effectivePolicy('office', { antiPassbackSeconds: 30 });
    expect(run({ policy, sinceLastEntryMs: 29_999 }).verdict).toBe('deny');
    expect(run({ policy, sinceLastEntryMs: 30_000 }).verdict).toBe('allow');
    const ascii: Credential = { ...person, reasons: ['scanner-mode-ascii'] };
    expect(run({ policy, credential: ascii, sinceLastEntryMs: 1_000 }).reasons).toEqual(['anti-passback', 'scanner-mode-ascii']);
    expect(run({ policy: effectivePolicy('office', { antiPassbackSeconds: 0 }), sinceLastEntryMs: 0 }).verdict).toBe('allow');
  });

  it('takes a verified vaccination or recovery where a certificate is required, not a test', () => {
    const policy = effectivePolicy('office', { requirement: 'vaccination' });
    expect(run({ policy, credential: dcc({ reasons: ['recovery-valid'] }), status: null })).toMatchObject({ verdict: 'allow', reasons: ['recovery-valid'] });
    expect(run({ policy, credential: dcc({ reasons: ['test-valid'] }), status: null })).toMatchObject({ verdict: 'deny', reasons: ['certificate-required', 'test-valid'] });
    // A reason the payload layer added beside the valid vaccination does not hide it.
    expect(run({ policy, credential: dcc({ reasons: ['vaccination-valid', 'scanner-mode-ascii'] }), status: null }).verdict).toBe('allow');
  });

  it('treats a green status without a declaration date as a missing declaration', () => {
    const policy = effectivePolicy('office', { unknownAction: 'deny' });
    expect(run({ policy, status: answer({ declaredAt: null }) })).toMatchObject({ verdict: 'deny', reasons: ['declaration-missing'] });
  });

  it('keeps a declaration exactly as old as the venue allows current', () => {
    expect(run({ status: answer({ declaredAt: NOW - 24 * 3600_000 }) })).toMatchObject({ verdict: 'allow', reasons: ['status-green'] });
    expect(run({ status: answer({ declaredAt: NOW - 24 * 3600_000 - 1 }) })).toMatchObject({ verdict: 'warn', reasons: ['declaration-stale'] });
  });

  it('applies the yellow and unknown actions with the reason the guard is shown, and the payload reasons', () => {
    const policy = effectivePolicy('office', { yellowAction: 'deny', unknownAction: 'allow' });
    const ascii: Credential = { ...person, reasons: ['scanner-mode-ascii'] };
    expect(run({ policy, credential: ascii, status: answer({ status: 'yellow' }) })).toMatchObject({ verdict: 'deny', reasons: ['status-yellow', 'scanner-mode-ascii'] });
    expect(run({ policy, credential: ascii, status: answer({ status: 'unknown', declaredAt: null }) })).toMatchObject({ verdict: 'allow', reasons: ['status-unknown', 'scanner-mode-ascii'] });
  });
});

describe('effectivePolicy', () => {
  it('keeps the venue default for an override that is present but undefined', () => {
    expect(effectivePolicy('school', { antiPassbackSeconds: undefined, yellowAction: 'warn' })).toEqual({ ...DEFAULT_POLICIES.school, yellowAction: 'warn' });
  });
});

describe('default policies: venue kind × status × online/offline', () => {
  // Built inside each test, not in the describe body: code run while the file is collected runs
  // before StrykerJS activates a mutant, so a table built there is never the mutated one.
  it('covers every combination', () => {
    expect(policyTable()).toHaveLength(VENUE_KINDS.length * TABLE_STATUSES.length * MODES.length);
  });

  it.each(VENUE_KINDS)('%s: never lets a red or F1 person in, online or offline', (kind) => {
    for (const c of policyTable().filter((x) => x.kind === kind && (x.status === 'red' || x.status === 'F1'))) {
      expect(c.decision.verdict, `${c.status} ${c.mode}`).toBe('deny');
    }
  });

  it.each(VENUE_KINDS)('%s: lets a green person with a current declaration in online', (kind) => {
    expect(policyTable().find((c) => c.kind === kind && c.status === 'green' && c.mode === 'online')?.decision.verdict).toBe('allow');
  });

  it.each(VENUE_KINDS)('%s: marks every offline decision offline, with the data age', (kind) => {
    for (const c of policyTable().filter((x) => x.kind === kind && x.mode === 'offline')) {
      expect(c.decision.reasons).toContain('offline');
      expect(c.decision.dataAgeMs).toBe(3_600_000);
    }
  });

  it('decides each cell for the reason its column names, from the source its mode names', () => {
    // A cell that reached its verdict another way (a "yellow" column decided as unknown, an F1 as
    // plain red) would show a verdict the table does not explain.
    const online: Record<string, string[]> = {
      green: ['status-green'],
      'green, stale': ['declaration-stale'],
      yellow: ['status-yellow'],
      unknown: ['status-unknown'],
      red: ['status-red', 'flag-f0'],
      F1: ['status-red', 'flag-f1'],
    };
    // The status recorded with the entry is the server's, flags aside.
    const status: Record<string, string> = { green: 'green', 'green, stale': 'green', yellow: 'yellow', unknown: 'unknown', red: 'red', F1: 'green' };
    for (const c of policyTable()) {
      const where = `${c.kind} ${c.status} ${c.mode}`;
      const action = DEFAULT_POLICIES[c.kind].offlineAction;
      const isFlagged = c.status === 'red' || c.status === 'F1';
      if (c.mode === 'online') {
        expect({ reasons: c.decision.reasons, source: c.decision.source, status: c.decision.status, dataAgeMs: c.decision.dataAgeMs }, where).toEqual({
          reasons: online[c.status],
          source: 'online',
          status: status[c.status],
          dataAgeMs: null,
        });
      } else if (isFlagged) {
        expect({ reasons: c.decision.reasons, source: c.decision.source, status: c.decision.status }, where).toEqual({
          reasons: c.status === 'F1' ? ['risk-list', 'offline', 'flag-f1'] : ['risk-list', 'offline'],
          source: 'risk-list',
          status: 'red',
        });
      } else {
        expect({ reasons: c.decision.reasons, source: c.decision.source, status: c.decision.status }, where).toEqual({ reasons: ['offline', `offline-${action}`], source: 'offline', status: 'unknown' });
      }
    }
  });

  it('matches the recorded table cell by cell', () => {
    const cells = policyTable();
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
