import { encode } from 'cborg';
import { createRequire } from 'node:module';
import { sign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * Issues EU DCCs exactly as member states do (COSE_Sign1 with ES256, CWT claims, zlib, Base45,
 * `HC1:`): for the demo's foreign traveller and for tests that need certificates valid today.
 */
const require = createRequire(import.meta.url);
const base45 = require('base45-js') as { encode(b: Uint8Array): string };

export interface DccSigner {
  country: string;
  privateKey: KeyObject;
  /** base64 of the first 8 bytes of SHA-256 of the signer's DER certificate. */
  kid: string;
}

export interface IssueOptions {
  iatMs?: number;
  expMs?: number;
  /** Replaces the kid (an unknown, empty or oversized one). */
  kid?: Uint8Array;
  /** Signs different bytes than it sends: a forged certificate. */
  isTampered?: boolean;
}

const DAY = 86_400_000;

/** hcert JSON → the QR text `HC1:…`. */
export function issueDcc(signer: DccSigner, hcert: Record<string, unknown>, options: IssueOptions = {}): string {
  const now = Date.now();
  const kid = options.kid ?? Buffer.from(signer.kid, 'base64');
  const protectedBytes = encode(new Map<number, unknown>([[1, -7], [4, kid]]));
  const claims = new Map<number, unknown>([
    [1, signer.country],
    [6, Math.floor((options.iatMs ?? now - DAY) / 1000)],
    [4, Math.floor((options.expMs ?? now + 180 * DAY) / 1000)],
    [-260, new Map([[1, hcert]])],
  ]);
  const payload = encode(claims);
  const toBeSigned = encode(['Signature1', protectedBytes, new Uint8Array(0), options.isTampered ? encode(new Map([[1, 'forged']])) : payload]);
  const signature = sign('sha256', toBeSigned, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return coseToQr(encode([protectedBytes, new Map(), payload, new Uint8Array(signature)]), true);
}

/** COSE bytes → `HC1:` text; tag 18 (COSE_Sign1) in front as issuers send it. */
export function coseToQr(cose: Uint8Array, isTagged = false): string {
  const tagged = isTagged ? Buffer.concat([Buffer.from([0xd2]), cose]) : cose;
  return `HC1:${base45.encode(deflateSync(tagged))}`;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function vaccination(dn = 2, sd = 2, nowMs = Date.now()): Record<string, unknown> {
  return {
    ver: '1.3.0',
    nam: { fn: 'Müller', fnt: 'MUELLER', gn: 'Anna Lena', gnt: 'ANNA<LENA' },
    dob: '1990-04-12',
    v: [{ tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn, sd, dt: iso(nowMs - 60 * DAY), co: 'DE', is: 'Robert Koch-Institut', ci: `URN:UVCI:01:DE:TEST${dn}${sd}#X` }],
  };
}

export function testResult(isNegative = true, sampledMs = Date.now() - 6 * 3_600_000): Record<string, unknown> {
  return {
    ver: '1.3.0',
    nam: { fn: 'Dupont', fnt: 'DUPONT', gn: 'Marie', gnt: 'MARIE' },
    dob: '1985-01-30',
    t: [{ tg: '840539006', tt: 'LP6464-4', nm: 'PCR', sc: new Date(sampledMs).toISOString(), tr: isNegative ? '260415000' : '260373001', tc: 'Test centre', co: 'FR', is: 'Ministère de la Santé', ci: 'URN:UVCI:01:FR:TESTPCR#1' }],
  };
}

export function recovery(nowMs = Date.now()): Record<string, unknown> {
  return {
    ver: '1.3.0',
    nam: { fn: 'Rossi', fnt: 'ROSSI', gn: 'Luca', gnt: 'LUCA' },
    dob: '1979-11-02',
    r: [{ tg: '840539006', fr: iso(nowMs - 40 * DAY), co: 'IT', is: 'Ministero della Salute', df: iso(nowMs - 29 * DAY), du: iso(nowMs + 150 * DAY), ci: 'URN:UVCI:01:IT:REC#2' }],
  };
}
