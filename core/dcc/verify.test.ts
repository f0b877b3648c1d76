import { beforeAll, describe, expect, it } from 'vitest';
import { EKU, hostileInputs, issueDcc, makeCsca, makeDsc, recovery, testResult, vaccination, type Authority, type Signer } from '../../test/helpers/dcc-issuer.ts';
import { dccCredential } from './credential.ts';
import { TrustStore } from './trust.ts';
import { verifyDcc } from './verify.ts';

const DAY = 86_400_000;
let csca: Authority;
let dsc: Signer;
let trust: TrustStore;
const now = () => Date.now();
const check = (text: string, t: TrustStore | null = trust, nowMs = now()) => verifyDcc(text, { trust: t, nowMs });

beforeAll(async () => {
  csca = await makeCsca('XA');
  dsc = await makeDsc(csca);
  trust = new TrustStore([csca.entry, dsc.entry]);
});

describe('verifyDcc: valid certificates', () => {
  it.each([
    ['a complete vaccination', () => vaccination(), 'vaccination-valid'],
    ['a negative PCR test sampled 6 h ago', () => testResult(), 'test-valid'],
    ['a recovery inside its window', () => recovery(), 'recovery-valid'],
  ])('allows %s, every stage true', (_label, hcert, reason) => {
    const r = check(issueDcc(dsc, hcert()));
    expect(r.verdict).toBe('allow');
    expect(r.reasons).toEqual([reason]);
    expect(Object.entries(r.stages).filter(([k]) => k !== 'image')).toEqual(Object.entries(r.stages).filter(([k]) => k !== 'image').map(([k]) => [k, true]));
  });

  it('keeps only the certificate id as the subject and masks the name for the guard', () => {
    const c = dccCredential(check(issueDcc(dsc, vaccination())));
    expect(c).toMatchObject({ format: 'eu-dcc', assurance: 'signed-verified', subject: { type: 'dcc', id: 'URN:UVCI:01:DE:TEST22#X' }, displayName: 'Müller A. L.' });
    expect(c.facts).toMatchObject({ type: 'v', dose: '2/2', country: 'DE', product: 'EU/1/20/1528' });
    expect(JSON.stringify(c)).not.toContain('1990-04-12');
  });

  it('without a trust list, decodes and checks everything but the signature: verdict unknown', () => {
    const r = check(issueDcc(dsc, vaccination()), null);
    expect(r.verdict).toBe('unknown');
    expect(r.stages).toMatchObject({ cbor: true, schema: true, signature: null, expiry: true, keyUsage: null });
  });
});

describe('verifyDcc: refusals, each with its reason', () => {
  it.each([
    ['an unknown signer', async () => check(issueDcc(await makeDsc(csca), vaccination())), 'signature-unknown-key', 'signature'],
    ['a forged payload', async () => check(issueDcc(dsc, vaccination(), { isTampered: true })), 'signature-invalid', 'signature'],
    ['an expired certificate (CWT exp passed)', async () => check(issueDcc(dsc, vaccination(), { expMs: now() - DAY })), 'dcc-expired', 'expiry'],
    ['a certificate issued in the future', async () => check(issueDcc(dsc, vaccination(), { iatMs: now() + 2 * DAY })), 'dcc-not-yet-valid', 'expiry'],
    [
      'a signer whose own certificate expired',
      async () => {
        const old = await makeDsc(csca, { notBeforeMs: now() - 400 * DAY, notAfterMs: now() - DAY });
        return check(issueDcc(old, vaccination()), new TrustStore([csca.entry, old.entry]));
      },
      'certificate-expired',
      'expiry',
    ],
    [
      'a test-only signer issuing a vaccination',
      async () => {
        const testOnly = await makeDsc(csca, { eku: [EKU.test] });
        return check(issueDcc(testOnly, vaccination()), new TrustStore([csca.entry, testOnly.entry]));
      },
      'key-usage',
      'keyUsage',
    ],
    [
      'a signer not issued by its country’s CSCA (bad chain)',
      async () => {
        const rogue = await makeDsc(await makeCsca('XA'));
        return check(issueDcc(rogue, vaccination()), new TrustStore([csca.entry, rogue.entry]));
      },
      'certificate-chain',
      'signature',
    ],
    ['a payload with a vaccination and a test at once', async () => check(issueDcc(dsc, { ...vaccination(), t: testResult().t })), 'schema-invalid', 'schema'],
    ['a payload missing its date of birth', async () => check(issueDcc(dsc, { ...vaccination(), dob: undefined })), 'schema-invalid', 'schema'],
  ])('denies %s', async (_label, run, reason, stage) => {
    const r = await run();
    expect(r.verdict).toBe('deny');
    expect(r.reasons).toContain(reason);
    expect(r.stages[stage as keyof typeof r.stages]).toBe(false);
  });

  it.each([
    ['an incomplete vaccination (1 of 2)', () => vaccination(1, 2), 'vaccination-incomplete'],
    ['a positive test', () => testResult(false), 'test-positive'],
    ['a test sampled 80 h ago', () => testResult(true, Date.now() - 80 * 3_600_000), 'test-too-old'],
    ['a recovery past its window', () => ({ ...recovery(), r: [{ ...(recovery().r as object[])[0], du: '2021-01-01' }] }), 'dcc-expired'],
  ])('authentic but not admitting: denies %s', (_label, hcert, reason) => {
    const r = check(issueDcc(dsc, hcert()));
    expect(r.stages.signature).toBe(true);
    expect(r).toMatchObject({ verdict: 'deny', reasons: [reason] });
  });
});

describe('verifyDcc: hostile input is denied with a reason, never a crash', () => {
  it.each(hostileInputs().map((h) => [h.label, h.text, h.stage, h.problem] as const))('%s', (_label, text, stage, problem) => {
    const r = check(text);
    expect(r.verdict).toBe('deny');
    expect(r.reasons).toContain('unreadable');
    expect(r.stages[stage as keyof typeof r.stages]).toBe(false);
    expect(r.problem).toMatch(problem);
  });

  it('an oversized (10 kB) kid matches no signer', () => {
    const r = check(issueDcc(dsc, vaccination(), { kid: new Uint8Array(10_000).fill(7) }));
    expect(r).toMatchObject({ verdict: 'deny', reasons: expect.arrayContaining(['signature-unknown-key']) as unknown });
    expect(r.stages.signature).toBe(false);
  });

  it('text longer than any QR is refused before decoding', () => {
    const r = check(`HC1:${'A'.repeat(20_000)}`);
    expect(r).toMatchObject({ verdict: 'deny', problem: expect.stringMatching(/too long/) as unknown });
  });
});
