import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { KioskError } from '../../common/errors.ts';
import type { Subject } from '../../common/wire.ts';

/**
 * Sealing a subject to the health authority: anyone can encrypt with its public key, only the
 * authority can decrypt. X25519 with a fresh ephemeral key per entry, HKDF-SHA-256, AES-256-GCM
 * with the entry id as associated data (a sealed subject cannot be moved to another entry).
 * Built from node:crypto primitives because no maintained npm package offers a sealed box on them
 * without a native or WASM dependency; the construction follows libsodium's crypto_box_seal.
 *
 * Format (base64url): 0x01 | ephemeral public key (32) | nonce (12) | ciphertext | GCM tag (16).
 */
const VERSION = 0x01;
const INFO = Buffer.from('KIOSK-SEAL-V1');

function x25519Public(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64url');
  if (bytes.length !== 32) throw new KioskError('config-invalid', 'privacy.sealSubjectTo must be a 32-byte X25519 public key (base64url)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
}

function rawOf(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

function derive(shared: Buffer, ephemeralRaw: Buffer, recipientRaw: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralRaw, recipientRaw]), INFO, 32));
}

export class SubjectSealer {
  private readonly recipient: KeyObject;
  private readonly recipientRaw: Buffer;

  constructor(recipientPublicKey: string) {
    this.recipient = x25519Public(recipientPublicKey);
    this.recipientRaw = rawOf(this.recipient);
  }

  seal(subject: Subject, entryId: string): string {
    const ephemeral = generateKeyPairSync('x25519');
    const ephemeralRaw = rawOf(ephemeral.publicKey);
    const key = derive(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: this.recipient }), ephemeralRaw, this.recipientRaw);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(entryId));
    const body = Buffer.concat([cipher.update(JSON.stringify(subject), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), ephemeralRaw, nonce, body, cipher.getAuthTag()]).toString('base64url');
  }
}

/** The authority's side (`kiosk server entries --unseal-key`): throws on a wrong key or a tampered blob. */
export function unsealSubject(sealed: string, entryId: string, privateKeyPem: string): Subject {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < 1 + 32 + 12 + 16 || bytes[0] !== VERSION) throw new KioskError('payload-invalid', 'not a sealed subject');
  const privateKey = createPrivateKey(privateKeyPem);
  const ephemeralRaw = bytes.subarray(1, 33);
  const nonce = bytes.subarray(33, 45);
  const body = bytes.subarray(45, bytes.length - 16);
  const tag = bytes.subarray(bytes.length - 16);
  const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeralRaw.toString('base64url') }, format: 'jwk' });
  const key = derive(diffieHellman({ privateKey, publicKey: ephemeral }), ephemeralRaw, rawOf(createPublicKey(privateKey)));
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(entryId));
  decipher.setAuthTag(tag);
  try {
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as Subject;
  } catch (err) {
    throw new KioskError('payload-invalid', 'sealed subject does not open with this key (wrong key, or tampered)', { cause: err });
  }
}

export function generateAuthorityKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: rawOf(publicKey).toString('base64url') };
}
