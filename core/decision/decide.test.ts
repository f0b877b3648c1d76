import { describe, expect, it } from 'vitest';
import { policySchema } from '../../common/config.ts';
import type { Credential } from '../payload/types.ts';
import { unreadable } from '../payload/types.ts';
import { decide, type StatusAnswer } from './decide.ts';

const policy = policySchema.parse({});
const person: Credential = { format: 'vn-cccd', assurance: 'identity-only', subject: { type: 'cccd', id: '001099012345' }, reasons: [] };
const answer = (a: Partial<StatusAnswer>): StatusAnswer => ({ source: 'online', status: 'green', flags: [], declaredAt: null, dataAgeMs: null, ...a });

describe('decide', () => {
  it('allows green', () => {
    expect(decide({ credential: person, status: answer({}), policy, direction: 'in' })).toMatchObject({ verdict: 'allow', reasons: ['status-green'], source: 'online' });
  });

  it('denies red with the flag as a reason', () => {
    const d = decide({ credential: person, status: answer({ status: 'red', flags: ['F0'] }), policy, direction: 'in' });
    expect(d).toMatchObject({ verdict: 'deny', reasons: ['status-red', 'flag-f0'] });
  });

  it('denies an F1 flag even when the status reads green', () => {
    expect(decide({ credential: person, status: answer({ flags: ['F1'] }), policy, direction: 'in' }).verdict).toBe('deny');
  });

  it('warns on yellow by default and follows the policy', () => {
    expect(decide({ credential: person, status: answer({ status: 'yellow' }), policy, direction: 'in' }).verdict).toBe('warn');
    expect(decide({ credential: person, status: answer({ status: 'yellow' }), policy: { ...policy, yellowAction: 'deny' }, direction: 'in' }).verdict).toBe('deny');
  });

  it('applies the offline rule and says so', () => {
    const d = decide({ credential: person, status: answer({ source: 'offline', status: 'unknown' }), policy: { ...policy, offlineAction: 'allow' }, direction: 'in' });
    expect(d).toMatchObject({ verdict: 'allow', reasons: ['offline', 'offline-allow'], source: 'offline' });
  });

  it('never lets a cached red through while offline', () => {
    const d = decide({ credential: person, status: answer({ source: 'cache', status: 'red', dataAgeMs: 90_000 }), policy: { ...policy, offlineAction: 'allow' }, direction: 'in' });
    expect(d).toMatchObject({ verdict: 'deny', dataAgeMs: 90_000 });
  });

  it('denies an unreadable credential without a lookup', () => {
    expect(decide({ credential: unreadable('x'), status: null, policy, direction: 'in' })).toMatchObject({ verdict: 'deny', reasons: ['unreadable'], source: 'none' });
  });

  it('records an exit of a flagged person without blocking it', () => {
    const d = decide({ credential: person, status: answer({ status: 'red', flags: ['F0'] }), policy, direction: 'out' });
    expect(d).toMatchObject({ verdict: 'allow', reasons: ['exit-recorded', 'flag-f0'] });
  });
});
