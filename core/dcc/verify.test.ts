import { beforeAll, describe, expect, it } from 'vitest';
import { EKU, hostileInputs, issueDcc, makeCsca, makeDsc, recovery, testResult, vaccination, type Authority, type Signer } from '../../test/helpers/dcc-issuer.ts';
import { createDccVerifier, dccCredential } from './credential.ts';
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
    expect(c.facts).toMatchObject({ type: 'v', dose: '2/2', country: 'DE', product: 'Comirnaty' });
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

  it('absurd issue and expiry times (±1e300 s) are refused with a reason, not a crash', () => {
    const r = check(issueDcc(dsc, vaccination(), { iatMs: 1e303, expMs: -1e303 }));
    expect(r).toMatchObject({ verdict: 'deny', stages: { expiry: false } });
    expect(r.problems.expiry).toMatch(/expired at -1e\+300 s after 1970; issued in the future \(1e\+300 s after 1970\)/);
  });

  it('an expiry beyond what a date can hold still gives the pipeline a credential', () => {
    const c = dccCredential(check(issueDcc(dsc, vaccination(), { expMs: 1e303 })));
    expect(c).toMatchObject({ format: 'eu-dcc', assurance: 'signed-verified' });
    expect(c.facts?.expiresAt).toBeUndefined();
  });

  it('text longer than any QR is refused before decoding', () => {
    const r = check(`HC1:${'A'.repeat(20_000)}`);
    expect(r).toMatchObject({ verdict: 'deny', problem: expect.stringMatching(/too long/) as unknown });
  });
});

/** The hcert with its one entry changed (undefined removes a field). */
const withEntry = (hcert: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> => {
  const group = (['v', 't', 'r'] as const).find((k) => Array.isArray(hcert[k])) as 'v' | 't' | 'r';
  const entry: Record<string, unknown> = { ...(hcert[group] as Array<Record<string, unknown>>)[0], ...change };
  for (const [k, v] of Object.entries(change)) if (v === undefined) delete entry[k];
  return { ...hcert, [group]: [entry] };
};
const ratTest = () => withEntry(testResult(), { tt: 'LP217198-3', nm: undefined, ma: '1232' });

describe('verifyDcc: every coded field is checked against the EU value sets', () => {
  it.each([
    ['v', 'tg', () => vaccination(), 'disease-agent-targeted'],
    ['v', 'vp', () => vaccination(), 'sct-vaccines-covid-19'],
    ['v', 'mp', () => vaccination(), 'vaccines-covid-19-names'],
    ['v', 'ma', () => vaccination(), 'vaccines-covid-19-auth-holders'],
    ['v', 'co', () => vaccination(), 'country-2-codes'],
    ['t', 'tg', () => ratTest(), 'disease-agent-targeted'],
    ['t', 'tt', () => ratTest(), 'covid-19-lab-test-type'],
    ['t', 'ma', () => ratTest(), 'covid-19-lab-test-manufacturer-and-name'],
    ['t', 'tr', () => ratTest(), 'covid-19-lab-result'],
    ['t', 'co', () => ratTest(), 'country-2-codes'],
    ['r', 'tg', () => recovery(), 'disease-agent-targeted'],
    ['r', 'co', () => recovery(), 'country-2-codes'],
  ])('an unknown %s.%s is refused by the value-set stage, naming the field and its set', (group, field, hcert, valueSet) => {
    // Schema-valid codes (upper-case country, any string elsewhere) that no value set holds.
    const r = check(issueDcc(dsc, withEntry(hcert(), { [field]: field === 'co' ? 'QQ' : 'X-UNKNOWN-9' })));
    expect(r.stages).toMatchObject({ schema: true, valueSets: false, signature: true, expiry: true });
    expect(r.verdict).toBe('deny');
    expect(r.reasons).toContain('value-set-unknown');
    expect(r.problems.valueSets).toBe(`/${group}/0/${field} ${JSON.stringify(field === 'co' ? 'QQ' : 'X-UNKNOWN-9')} is not in the EU value set ${valueSet}`);
  });

  it('accepts a rapid antigen test whose device is in the value set; a NAAT test’s ma is no device code', () => {
    expect(check(issueDcc(dsc, ratTest()))).toMatchObject({ verdict: 'allow', stages: { valueSets: true } });
    expect(check(issueDcc(dsc, withEntry(testResult(), { ma: 'lab-internal-42' })))).toMatchObject({ verdict: 'allow', stages: { valueSets: true } });
  });

  it('reports every unknown code at once', () => {
    const r = check(issueDcc(dsc, withEntry(vaccination(), { mp: 'Homemade', ma: 'ORG-0' })));
    expect(r.problems.valueSets).toMatch(/\/v\/0\/mp "Homemade".*; \/v\/0\/ma "ORG-0"/);
  });

  it('knows a code the server published after the kiosk was built, in the pipeline too', () => {
    const text = issueDcc(dsc, withEntry(vaccination(), { mp: 'NewVax-2026' }));
    const synced = { 'vaccines-covid-19-names': { 'NewVax-2026': 'NewVax' } };
    expect(check(text).stages.valueSets).toBe(false);
    expect(verifyDcc(text, { trust, nowMs: now(), valueSets: synced })).toMatchObject({ verdict: 'allow', stages: { valueSets: true } });
    const verifier = createDccVerifier({ trust: () => trust, nowMs: now, valueSets: () => synced });
    expect(verifier(text)).toMatchObject({ assurance: 'signed-verified', facts: { product: 'NewVax' } });
    expect(createDccVerifier({ trust: () => trust, nowMs: now, valueSets: () => null })(text)).toMatchObject({ assurance: 'identity-only', reasons: ['value-set-unknown'] });
  });
});

describe('verifyDcc: real issuers’ encodings, relaxed field by field', () => {
  it('reads a date-time in v.dt as its date (reported as a leniency) and stays strict elsewhere', () => {
    const lenient = check(issueDcc(dsc, withEntry(vaccination(), { dt: '2021-03-18T22:54:00+02:00' })));
    expect(lenient).toMatchObject({ verdict: 'allow', stages: { schema: true } });
    expect(lenient.leniencies).toEqual(['/v/0/dt: date-time 2021-03-18T22:54:00+02:00 read as its date 2021-03-18']);
    // The issuer's own text stays in the payload; only validation reads the date.
    expect((lenient.payload?.v as Array<Record<string, unknown>>)[0]?.dt).toBe('2021-03-18T22:54:00+02:00');
    for (const strict of [
      { ...vaccination(), dob: '1990-04-12T00:00:00' },
      withEntry(vaccination(), { dt: '2021-13-45T10:00:00Z' }),
      withEntry(vaccination(), { dt: '2021-03-18T25:00:00Z' }),
      withEntry(testResult(), { sc: '2021-03-18 10:00' }),
    ]) {
      const r = check(issueDcc(dsc, strict));
      expect(r.stages.schema).toBe(false);
      expect(r.leniencies).toEqual([]);
    }
  });

  it('reads date-times in the recovery dates as their dates, and the window by those dates', () => {
    const day = (offset: number) => new Date(now() + offset * DAY).toISOString().slice(0, 10);
    const hcert = withEntry(recovery(), { fr: `${day(-40)}T08:00:00Z`, df: `${day(-29)}T00:00:00+01:00`, du: `${day(150)}T23:59:59+01:00` });
    const r = check(issueDcc(dsc, hcert));
    expect(r).toMatchObject({ verdict: 'allow', stages: { schema: true } });
    expect(r.leniencies).toHaveLength(3);
    const past = check(issueDcc(dsc, withEntry(recovery(), { du: `${day(-2)}T23:00:00-05:00` })));
    expect(past).toMatchObject({ verdict: 'deny', reasons: ['dcc-expired'], stages: { schema: true } });
  });
});

describe('verifyDcc: each stage is reported on its own', () => {
  it('with the schema failing, still checks and reports the value sets, signature, expiry and key usage', () => {
    const broken = { ...withEntry(vaccination(), { ma: 'ORG-0' }), dob: undefined };
    const good = check(issueDcc(dsc, broken));
    expect(good.stages).toMatchObject({ schema: false, valueSets: false, signature: true, expiry: true, keyUsage: true });
    expect(good.problems).toEqual({ schema: "/ must have required property 'dob' (schema 1.3.0)", valueSets: '/v/0/ma "ORG-0" is not in the EU value set vaccines-covid-19-auth-holders' });
    expect(good.reasons).toEqual(['schema-invalid', 'value-set-unknown']);

    const forgedAndExpired = check(issueDcc(dsc, broken, { isTampered: true, expMs: now() - DAY }));
    expect(forgedAndExpired.stages).toMatchObject({ schema: false, signature: false, expiry: false, keyUsage: true });
    expect(forgedAndExpired.reasons).toEqual(['schema-invalid', 'value-set-unknown', 'signature-invalid', 'dcc-expired']);
    expect(Object.keys(forgedAndExpired.problems)).toEqual(['schema', 'valueSets', 'signature', 'expiry']);
    expect(forgedAndExpired.problem).toMatch(/^schema: .*; valueSets: .*; signature: the signature does not verify.*; expiry: expired at /);
  });

  it('an entry-less payload fails the schema only: key usage is true for an unrestricted signer, undecidable for a restricted one', async () => {
    const empty = { ...vaccination(), v: [] };
    const r = check(issueDcc(dsc, empty));
    expect(r.stages).toMatchObject({ schema: false, valueSets: null, signature: true, expiry: true, keyUsage: true });
    expect(r.reasons).toEqual(['schema-invalid']);
    const testOnly = await makeDsc(csca, { eku: [EKU.test] });
    const restricted = check(issueDcc(testOnly, empty), new TrustStore([csca.entry, testOnly.entry]));
    expect(restricted.stages).toMatchObject({ schema: false, signature: true, keyUsage: null });
    expect(restricted.reasons).toEqual(['schema-invalid']);
  });
});

describe('verifyDcc: the signing key must have been valid when it signed', () => {
  it('refuses a certificate signed before its signer’s notBefore, though both are valid now', async () => {
    const young = await makeDsc(csca, { notBeforeMs: now() - 10 * DAY });
    const store = new TrustStore([csca.entry, young.entry]);
    const early = check(issueDcc(young, vaccination(), { iatMs: now() - 11 * DAY }), store);
    expect(early.stages).toMatchObject({ schema: true, signature: true, expiry: false });
    expect(early).toMatchObject({ verdict: 'deny', reasons: ['signed-outside-key-validity'] });
    expect(early.problems.expiry).toMatch(/^signed at .*, outside its signer's validity /);
    // Signed a day into the signer's validity: fine.
    expect(check(issueDcc(young, vaccination(), { iatMs: now() - 9 * DAY }), store).verdict).toBe('allow');
  });
});
