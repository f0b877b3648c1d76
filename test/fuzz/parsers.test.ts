import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASSURANCES, FORMATS } from '../../common/verdict.ts';
import { createDccVerifier } from '../../core/dcc/credential.ts';
import { decodeBase45 } from '../../core/dcc/base45.ts';
import { TrustStore } from '../../core/dcc/trust.ts';
import { verifyDcc } from '../../core/dcc/verify.ts';
import { parsePayload } from '../../core/payload/parse.ts';
import { bhytQr, cccdQr, makePeople, pcCovidQr, rng } from '../../server/services/seed.ts';
import { coseToQr, issueDcc, makeCsca, makeDsc, recovery, testResult, vaccination } from '../helpers/dcc-issuer.ts';
import { VN_FIXTURES } from '../fixtures/vn/payloads.ts';

/**
 * Random and mutated payloads for every parser: at least 100,000 cases. The properties: no input
 * throws; every answer is well-formed; nothing is allowed unless its signature verified; nothing
 * unreadable names a subject. Seeded, so a failure reproduces.
 */
const CASES = { randomBytes: 20_000, vnMutants: 40_000, dccTextMutants: 20_000, dccCoseMutants: 20_000, base45: 10_000 };
const enc = new TextEncoder();
const r = rng(20211001);
const int = (n: number) => Math.floor(r() * n);
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:|ăâđêôơưĂÂĐÊÔƠƯáàảãạ\u0000\n';

function mutateText(text: string): string {
  const chars = Array.from(text);
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    const at = int(chars.length + 1);
    switch (int(5)) {
      case 0:
        chars.splice(at, 1);
        break;
      case 1:
        chars.splice(at, 0, ALPHABET[int(ALPHABET.length)] as string);
        break;
      case 2:
        chars[at] = ALPHABET[int(ALPHABET.length)] as string;
        break;
      case 3:
        chars.splice(at, 0, '|');
        break;
      default:
        chars.length = Math.min(chars.length, at);
    }
  }
  return chars.join('');
}

function mutateBytes(bytes: Uint8Array): Uint8Array {
  const out = Buffer.from(bytes);
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) out[int(out.length)] = int(256);
  return int(10) === 0 ? out.subarray(0, int(out.length)) : out;
}

let qrs: string[] = [];
let trust: TrustStore;

beforeAll(async () => {
  const csca = await makeCsca('XA');
  const dsc = await makeDsc(csca);
  trust = new TrustStore([csca.entry, dsc.entry]);
  qrs = [issueDcc(dsc, vaccination()), issueDcc(dsc, testResult()), issueDcc(dsc, recovery())];
});

const isFormat = (f: string) => (FORMATS as readonly string[]).includes(f);

describe(`fuzzing every parser (${Object.values(CASES).reduce((a, b) => a + b)} cases)`, () => {
  it('parsePayload: random bytes, and mutants of every Vietnamese format', () => {
    const verifyDcc = createDccVerifier({ trust: () => trust, nowMs: () => Date.now() });
    const people = makePeople(50, 77);
    const seeds = [...VN_FIXTURES.map((f) => f.text), ...people.flatMap((p) => [cccdQr(p), cccdQr(p, 11), pcCovidQr(p), pcCovidQr(p, true), bhytQr(p)])];
    let n = 0;
    const assertCredential = (bytes: Uint8Array, isAsciiOnly: boolean) => {
      const c = parsePayload(bytes, { verifyDcc, isAsciiOnly });
      n++;
      expect(isFormat(c.format)).toBe(true);
      expect(ASSURANCES).toContain(c.assurance);
      if (c.assurance === 'unreadable') {
        expect(c.subject).toBeNull();
        expect(c.reasons).toContain('unreadable');
        expect(c.problem).toBeTruthy();
      } else {
        expect(c.subject?.id.length).toBeGreaterThan(0);
      }
    };
    for (let i = 0; i < CASES.randomBytes; i++) {
      assertCredential(Uint8Array.from({ length: int(300) }, () => int(256)), i % 2 === 0);
    }
    for (let i = 0; i < CASES.vnMutants; i++) {
      assertCredential(enc.encode(mutateText(seeds[int(seeds.length)] as string)), i % 5 === 0);
    }
    expect(n).toBe(CASES.randomBytes + CASES.vnMutants);
  });

  it('verifyDcc: mutated QR text and mutated COSE bytes are never allowed unless the signature verified', () => {
    const check = (text: string) => {
      const result = verifyDcc(text, { trust, nowMs: Date.now() });
      expect(['allow', 'deny', 'unknown']).toContain(result.verdict);
      if (result.verdict === 'allow') {
        expect(result.stages.signature).toBe(true);
        expect(result.stages.schema).toBe(true);
      } else {
        expect(result.reasons.length).toBeGreaterThan(0);
      }
      return result.verdict;
    };
    const verdicts = { allow: 0, deny: 0, unknown: 0 };
    for (let i = 0; i < CASES.dccTextMutants; i++) {
      verdicts[check(mutateText(qrs[int(qrs.length)] as string))]++;
    }
    const coses = qrs.map((q) => inflateSync(decodeBase45(q.slice(4)) as Uint8Array));
    for (let i = 0; i < CASES.dccCoseMutants; i++) {
      verdicts[check(coseToQr(mutateBytes(coses[int(coses.length)] as Uint8Array)))]++;
    }
    // The mutations mostly break something; the originals still verify.
    expect(verdicts.deny).toBeGreaterThan(0.9 * (CASES.dccTextMutants + CASES.dccCoseMutants));
    for (const q of qrs) expect(check(q)).toBe('allow');
  });

  it('decodeBase45: random strings either decode to bytes or are refused', () => {
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a~';
    let decoded = 0;
    for (let i = 0; i < CASES.base45; i++) {
      const text = Array.from({ length: int(60) }, () => chars[int(chars.length)]).join('');
      const out = decodeBase45(text);
      if (out) {
        decoded++;
        expect(out.length).toBe(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
