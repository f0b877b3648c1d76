import { encode as cborEncode } from 'cborg';
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import type { Reason } from '../../common/verdict.ts';
import type { ValueSets } from '../lists/trust-list-store.ts';
import { decodeBase45 } from './base45.ts';
import { decodeCbor } from './cbor.ts';
import { checkSchema } from './schema.ts';
import { DCC_EKU, type TrustedKey, type TrustStore } from './trust.ts';
import { describeValueSetFailure, valueSetFailures } from './value-sets.ts';

/**
 * EU Digital COVID Certificate verification: HC1 → Base45 → zlib → COSE_Sign1 → CWT/CBOR hcert,
 * then schema, value sets, signature (ES256, PS256; kid from the protected or unprotected header),
 * validity times and the signer's key usage. Once the payload is decoded, each of these is checked
 * whatever the others found, so the guard and the logs name every true reason. Cryptography is
 * node:crypto; CBOR is cborg; Base45 is base45-js.
 */
export const STAGES = ['image', 'prefix', 'base45', 'zlib', 'cose', 'cbor', 'schema', 'valueSets', 'signature', 'expiry', 'keyUsage'] as const;
export type Stage = (typeof STAGES)[number];
export type Stages = Record<Stage, boolean | null>;

export type DccType = 'v' | 't' | 'r';

export interface DccResult {
  format: 'eu-dcc' | 'unknown';
  stages: Stages;
  /** The hcert payload as JSON (dates stay strings); null when not decoded. */
  payload: Record<string, unknown> | null;
  verdict: 'allow' | 'deny' | 'unknown';
  reasons: Reason[];
  /** Details for the guard and the record. */
  type?: DccType;
  certificateId?: string;
  issuer?: string;
  kid?: string;
  issuedAtMs?: number;
  expiresAtMs?: number;
  /** Human-readable explanation of every failed stage, joined. */
  problem?: string;
  /** Each failed stage's own explanation, for a technician. */
  problems: Partial<Record<Stage, string>>;
  /** Real issuers' encodings accepted although the schema says otherwise (schema.ts). */
  leniencies: string[];
}

export interface VerifyOptions {
  /** Null: no trust list, the signature stage stays null and the verdict `unknown`. */
  trust: TrustStore | null;
  nowMs: number;
  /** Inflated COSE larger than this is refused (zip bombs). */
  maxInflatedBytes?: number;
  /** Accepted clock difference for the issue time. */
  clockSkewMs?: number;
  /** A negative test admits for this long after sampling (Vietnam 2021-22: 72 h). */
  testMaxAgeHours?: number;
  /** The server's value sets; codes in them count as known besides the bundled snapshot. */
  valueSets?: ValueSets | null;
}

const MAX_TEXT = 8192;
const MAX_KID_BYTES = 64;
const emptyStages = (): Stages => ({ image: null, prefix: null, base45: null, zlib: null, cose: null, cbor: null, schema: null, valueSets: null, signature: null, expiry: null, keyUsage: null });

export function verifyDcc(text: string, options: VerifyOptions): DccResult {
  const stages = emptyStages();
  const fail = (stage: Stage, reasons: Reason[], problem: string, extra: Partial<DccResult> = {}): DccResult => {
    stages[stage] = false;
    return { format: stage === 'prefix' ? 'unknown' : 'eu-dcc', stages, payload: null, verdict: 'deny', reasons, problem, problems: { [stage]: problem }, leniencies: [], ...extra };
  };

  stages.prefix = text.startsWith('HC1:');
  if (!stages.prefix) return fail('prefix', ['unreadable', 'unknown-format'], 'not an HC1: certificate');
  if (text.length > MAX_TEXT) return fail('base45', ['unreadable'], `certificate text of ${text.length} characters is too long`);
  const compressed = decodeBase45(text.slice(4));
  if (!compressed) return fail('base45', ['unreadable'], 'not valid Base45');
  stages.base45 = true;

  let coseBytes: Uint8Array;
  try {
    coseBytes = inflateSync(compressed, { maxOutputLength: options.maxInflatedBytes ?? 65_536, chunkSize: 8192 });
    stages.zlib = true;
  } catch (err) {
    const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    return fail('zlib', ['unreadable'], tooBig ? 'inflated certificate exceeds the size cap (zip bomb?)' : 'not zlib-compressed');
  }

  let cose: unknown;
  try {
    cose = decodeCbor(coseBytes);
  } catch {
    return fail('cose', ['unreadable'], 'not CBOR');
  }
  if (!Array.isArray(cose) || cose.length !== 4 || !(cose[0] instanceof Uint8Array) || !(cose[2] instanceof Uint8Array) || !(cose[3] instanceof Uint8Array)) {
    return fail('cose', ['unreadable'], 'not a COSE_Sign1 structure');
  }
  const [protectedBytes, unprotectedRaw, payloadBytes, signature] = cose as [Uint8Array, unknown, Uint8Array, Uint8Array];
  let protectedHeader: Map<unknown, unknown>;
  try {
    const decoded: unknown = protectedBytes.length === 0 ? new Map() : decodeCbor(protectedBytes);
    if (!(decoded instanceof Map)) throw new Error('protected header is not a map');
    protectedHeader = decoded;
  } catch {
    return fail('cose', ['unreadable'], 'COSE protected header is not a CBOR map');
  }
  const unprotected: Map<unknown, unknown> = unprotectedRaw instanceof Map ? (unprotectedRaw as Map<unknown, unknown>) : new Map();
  stages.cose = true;

  let claims: Map<unknown, unknown>;
  try {
    const decoded: unknown = decodeCbor(payloadBytes);
    if (!(decoded instanceof Map)) throw new Error('CWT claims are not a map');
    claims = decoded;
  } catch {
    return fail('cbor', ['unreadable'], 'the CWT payload is not a CBOR map');
  }
  const hcertHolder = claims.get(-260);
  const dccMap: unknown = hcertHolder instanceof Map ? (hcertHolder as Map<unknown, unknown>).get(1) : undefined;
  if (!(dccMap instanceof Map)) return fail('cbor', ['unreadable'], 'no hcert (-260/1) claim');
  stages.cbor = true;
  const payload = toJson(dccMap) as Record<string, unknown>;
  const type = (['v', 't', 'r'] as const).find((k) => Array.isArray(payload[k]) && (payload[k] as unknown[]).length > 0);
  const entry = type ? ((payload[type] as unknown[])[0] as Record<string, unknown>) : undefined;
  const base: Partial<DccResult> = {
    payload,
    ...(type ? { type } : {}),
    ...(typeof entry?.ci === 'string' ? { certificateId: entry.ci } : {}),
    ...(typeof claims.get(1) === 'string' ? { issuer: claims.get(1) as string } : {}),
  };
  const iat = claims.get(6);
  const exp = claims.get(4);
  if (typeof iat === 'number') base.issuedAtMs = iat * 1000;
  if (typeof exp === 'number') base.expiresAtMs = exp * 1000;

  const problems: Partial<Record<Stage, string>> = {};
  const reasons: Reason[] = [];
  const schema = checkSchema(payload);
  stages.schema = schema.isValid;
  if (!schema.isValid) {
    reasons.push('schema-invalid');
    problems.schema = schema.error ?? 'invalid';
  }
  // Checked even when the schema failed: a wrong code is its own reason, and the technician
  // should see it in the same scan.
  const unknownCodes = valueSetFailures(payload, options.valueSets ?? null);
  stages.valueSets = unknownCodes === null ? null : unknownCodes.length === 0;
  if (unknownCodes !== null && unknownCodes.length > 0) {
    reasons.push('value-set-unknown');
    problems.valueSets = unknownCodes.map(describeValueSetFailure).join('; ');
  }

  // Signature over Sig_structure = ["Signature1", protected, external_aad = h'', payload].
  const kidRaw = protectedHeader.get(4) ?? unprotected.get(4);
  // The algorithm belongs in the protected header; some issuers put it (and the kid) only in the
  // unprotected one. Either way the key type must match it (verifySignature), so a swapped
  // algorithm cannot make a signature verify under a different key kind.
  const alg = protectedHeader.get(1) ?? unprotected.get(1);
  const kid = kidRaw instanceof Uint8Array && kidRaw.length > 0 && kidRaw.length <= MAX_KID_BYTES ? Buffer.from(kidRaw).toString('base64') : undefined;
  if (kid) base.kid = kid;
  // The signer: the key whose signature verifies, else (to still report expiry and key usage as
  // their own stages) the first certificate published under this kid.
  let signer: TrustedKey | undefined;
  if (options.trust === null) {
    stages.signature = null;
  } else {
    const keys = kid ? options.trust.keysFor(kid) : [];
    if (keys.length === 0) {
      stages.signature = false;
      reasons.push('signature-unknown-key');
      problems.signature = kid ? `no signer with kid ${kid} in the trust list` : 'the certificate names no usable kid';
    } else {
      const toBeSigned = cborEncode(['Signature1', protectedBytes, new Uint8Array(0), payloadBytes]);
      const verified = keys.find((k) => verifySignature(alg, k.publicKey, toBeSigned, signature));
      // A signature by a document signer no CSCA of its country issued proves nothing.
      stages.signature = verified !== undefined && verified.isChainValid;
      if (!verified) {
        reasons.push('signature-invalid');
        problems.signature = `the signature does not verify with the key of kid ${kid ?? ''} (algorithm ${String(alg)})`;
      } else if (!verified.isChainValid) {
        reasons.push('certificate-chain');
        problems.signature = `signer kid ${verified.kid} was issued by none of the CSCAs of ${verified.country}`;
      }
      signer = verified ?? keys[0];
    }
  }
  // Expiry: the CWT's issue and expiry times, and the signer certificate's validity, at this time.
  const now = options.nowMs;
  const isExpired = typeof exp !== 'number' || exp * 1000 < now;
  const isNotYet = typeof iat === 'number' && iat * 1000 > now + (options.clockSkewMs ?? 5 * 60_000);
  const isCertOutside = signer !== undefined && (now < signer.notBeforeMs || now > signer.notAfterMs);
  // A key signs only inside its certificate's validity: a certificate issued before its signer's
  // notBefore (or after its notAfter) was not signed by a valid key, even if both are valid now.
  const isSignedOutside = signer !== undefined && typeof iat === 'number' && (iat * 1000 < signer.notBeforeMs || iat * 1000 > signer.notAfterMs);
  stages.expiry = !isExpired && !isNotYet && !isCertOutside && !isSignedOutside;
  const expiryProblems: string[] = [];
  // Times come from the certificate: one outside what Date can print must not throw.
  const at = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms / 1000} s after 1970`);
  const validity = signer ? `${at(signer.notBeforeMs)} to ${at(signer.notAfterMs)}` : '';
  if (isExpired) {
    reasons.push('dcc-expired');
    expiryProblems.push(typeof exp === 'number' ? `expired at ${at(exp * 1000)}` : 'no expiry time (CWT exp)');
  }
  if (isNotYet) {
    reasons.push('dcc-not-yet-valid');
    expiryProblems.push(`issued in the future (${at(iat * 1000)})`);
  }
  if (isCertOutside) {
    reasons.push('certificate-expired');
    expiryProblems.push(`the signer's certificate is valid ${validity} only`);
  }
  if (isSignedOutside) {
    reasons.push('signed-outside-key-validity');
    expiryProblems.push(`signed at ${at(iat * 1000)}, outside its signer's validity ${validity}`);
  }
  if (expiryProblems.length > 0) problems.expiry = expiryProblems.join('; ');
  if (signer) {
    const eku = signer.dccEku;
    // A signer without DCC key usages may sign every type; with some, the type decides, and a
    // payload without an entry has no type to decide by (the schema stage says why).
    stages.keyUsage = eku.length === 0 ? true : type === undefined ? null : DCC_EKU[type].some((o) => eku.includes(o));
    if (stages.keyUsage === false) {
      reasons.push('key-usage');
      problems.keyUsage = `signer kid ${signer.kid} may not sign ${type === 'v' ? 'vaccination' : type === 't' ? 'test' : 'recovery'} certificates (its key usages: ${eku.join(', ')})`;
    }
  }
  const checked = { format: 'eu-dcc' as const, stages, ...base, payload, problems, leniencies: schema.leniencies };
  const isBroken = Object.values(stages).some((s) => s === false);
  if (isBroken) return { ...checked, verdict: 'deny', reasons, problem: Object.entries(problems).map(([stage, p]) => `${stage}: ${p}`).join('; ') };
  if (stages.signature === null) return { ...checked, verdict: 'unknown', reasons: [] };
  // The rules read the relaxed fields as the dates they mean.
  const refusals = entryRules(type, type ? ((schema.normalized[type] as unknown[])[0] as Record<string, unknown>) : undefined, options);
  if (refusals.length > 0) return { ...checked, verdict: 'deny', reasons: refusals, problem: refusals.join(', ') };
  const valid: Reason = type === 'v' ? 'vaccination-valid' : type === 't' ? 'test-valid' : 'recovery-valid';
  return { ...checked, verdict: 'allow', reasons: [valid] };
}

/**
 * What the certificate says, once it is proven authentic: a complete vaccination, a negative test
 * young enough, a recovery inside its validity window. (The signature stages say who issued it;
 * these rules say whether it admits the person today.)
 */
function entryRules(type: DccType | undefined, entry: Record<string, unknown> | undefined, options: VerifyOptions): Reason[] {
  const now = options.nowMs;
  const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);
  switch (type) {
    case 'v':
      return typeof entry?.dn === 'number' && typeof entry.sd === 'number' && entry.dn >= entry.sd ? [] : ['vaccination-incomplete'];
    case 't': {
      if (entry?.tr !== NEGATIVE_TEST) return ['test-positive'];
      const sampled = time(entry.sc);
      return Number.isFinite(sampled) && now - sampled <= (options.testMaxAgeHours ?? 72) * 3_600_000 ? [] : ['test-too-old'];
    }
    case 'r': {
      const from = time(entry?.df);
      const until = time(entry?.du);
      return Number.isFinite(from) && Number.isFinite(until) && now >= from && now <= until + 86_400_000 ? [] : ['dcc-expired'];
    }
    default:
      return ['schema-invalid'];
  }
}

/** SNOMED CT "Not detected" (value set covid-19-lab-result). */
const NEGATIVE_TEST = '260415000';

function verifySignature(alg: unknown, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (alg === -7 || alg === -35 || alg === -36) {
      if (key.asymmetricKeyType !== 'ec') return false;
      const hash = alg === -7 ? 'sha256' : alg === -35 ? 'sha384' : 'sha512';
      return cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (alg === -37 || alg === -38 || alg === -39) {
      if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
      const hash = alg === -37 ? 'sha256' : alg === -38 ? 'sha384' : 'sha512';
      const saltLength = alg === -37 ? 32 : alg === -38 ? 48 : 64;
      return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
    }
    return false;
  } catch {
    return false;
  }
}

/** CBOR maps → plain JSON (keys as strings), byte strings → base64. */
function toJson(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJson(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

