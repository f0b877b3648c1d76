import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { encode } from 'cborg';
import { createRequire } from 'node:module';
import { KeyObject, webcrypto } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { TrustEntry } from '../../common/wire.ts';
import { kidOf } from '../../core/dcc/trust.ts';
import { coseToQr } from '../../scripts/dcc/issue.ts';

export { coseToQr, issueDcc, recovery, testResult, vaccination } from '../../scripts/dcc/issue.ts';

/**
 * A test issuing authority: a CSCA and document signers it (or someone else) issued, so tests can
 * sign certificates with any dates (scripts/dcc/issue.ts) instead of being bound to the 2021
 * validity windows of the public vectors.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
const require = createRequire(import.meta.url);
const base45 = require('base45-js') as { encode(b: Uint8Array): string };

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface Authority {
  country: string;
  keys: KeyPair;
  cert: x509.X509Certificate;
  entry: TrustEntry;
}

export interface Signer {
  country: string;
  privateKey: KeyObject;
  der: Uint8Array;
  kid: string;
  entry: TrustEntry;
}

const entryOf = (der: Uint8Array, country: string, certificateType?: 'CSCA'): TrustEntry => ({
  kid: kidOf(der),
  country,
  rawData: Buffer.from(der).toString('base64'),
  ...(certificateType ? { certificateType } : {}),
});

export async function makeCsca(country = 'XA', nowMs = Date.now()): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=Test CSCA ${country}, C=${country}`,
    keys,
    signingAlgorithm: SIGN,
    notBefore: new Date(nowMs - 365 * DAY),
    notAfter: new Date(nowMs + 5 * 365 * DAY),
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  return { country, keys, cert, entry: entryOf(new Uint8Array(cert.rawData), country, 'CSCA') };
}

/** A document signer issued by `csca`; `eku` limits it to some certificate types (OIDs). */
export async function makeDsc(csca: Authority, options: { eku?: string[]; notBeforeMs?: number; notAfterMs?: number } = {}): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as KeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=Test DSC ${csca.country}, C=${csca.country}`,
    issuer: csca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: csca.keys.privateKey,
    signingAlgorithm: SIGN,
    notBefore: new Date(options.notBeforeMs ?? now - 30 * DAY),
    notAfter: new Date(options.notAfterMs ?? now + 2 * 365 * DAY),
    extensions: options.eku ? [new x509.ExtendedKeyUsageExtension(options.eku)] : [],
  });
  const der = new Uint8Array(cert.rawData);
  return { country: csca.country, privateKey: KeyObject.from(keys.privateKey), der, kid: kidOf(der), entry: entryOf(der, csca.country) };
}

export const EKU = { test: '1.3.6.1.4.1.1847.2021.1.1', vaccination: '1.3.6.1.4.1.1847.2021.1.2', recovery: '1.3.6.1.4.1.1847.2021.1.3' } as const;

/** Hostile QR texts every verifier must refuse quickly (tests assert the refusal, the bench times it). */
export function hostileInputs(): Array<{ label: string; text: string; stage: string; problem: RegExp }> {
  const b45 = (bytes: Uint8Array) => `HC1:${base45.encode(bytes)}`;
  const cose = (payload: Uint8Array) => coseToQr(encode([encode(new Map<number, unknown>([[1, -7]])), new Map(), payload, new Uint8Array(64)]));
  const nested = Buffer.concat([Buffer.alloc(20_000, 0x81), Buffer.from([0])]);
  return [
    { label: '4 kB of random Base45', text: `HC1:${Array.from({ length: 4096 }, (_, i) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'[(i * 7919) % 45]).join('')}`, stage: 'base45', problem: /Base45/ },
    { label: '4 kB of binary garbage', text: `HC1:${Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)).toString('latin1')}`, stage: 'base45', problem: /Base45/ },
    { label: 'a zlib bomb (3.7 kB inflating to 2.5 MB)', text: b45(deflateSync(Buffer.alloc(2_500_000), { level: 9 })), stage: 'zlib', problem: /size cap/ },
    { label: 'Base45 that is not zlib', text: b45(Buffer.from('not compressed at all')), stage: 'zlib', problem: /zlib/ },
    { label: '20,000 nested CBOR arrays', text: coseToQr(nested), stage: 'cose', problem: /CBOR/ },
    { label: 'nested arrays in the signed payload', text: cose(nested), stage: 'cbor', problem: /CBOR map/ },
    { label: 'an array header claiming 2^32 items', text: coseToQr(Buffer.from([0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0])), stage: 'cose', problem: /CBOR/ },
    { label: 'a byte string claiming 4 GiB', text: coseToQr(Buffer.from([0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 0])), stage: 'cose', problem: /CBOR/ },
    { label: '65,000 one-byte CBOR items', text: cose(encode(Array.from({ length: 65_000 }, () => 0))), stage: 'cbor', problem: /CBOR map/ },
    { label: 'a COSE array of the wrong shape', text: coseToQr(encode([1, 2, 3])), stage: 'cose', problem: /COSE_Sign1/ },
  ];
}
