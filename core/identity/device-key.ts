import { generateKeyPairSync, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { KioskError } from '../../common/errors.ts';

/**
 * The device's Ed25519 identity. The private key is made on the device at enrollment, stored with
 * mode 0600 and never leaves it; the server only ever sees the raw public key.
 */
export interface DeviceIdentity {
  readonly deviceId: string;
  /** Ed25519 signature of the UTF-8 bytes of `message`, base64url. */
  sign(message: string): string;
}

export function generateDeviceKey(): { privateKeyPem: string; publicKeyRaw: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyRaw: rawPublicKey(publicKey),
  };
}

/** The 32 raw key bytes, base64url (the SPKI DER of an Ed25519 key ends with them). */
export function rawPublicKey(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64url');
}

/** Loads the key, refusing one that group or others can read: a copied SD card must not leak it. */
export function loadDeviceIdentity(deviceId: string, keyFile: string): DeviceIdentity {
  let mode: number;
  try {
    mode = statSync(keyFile).mode;
  } catch (err) {
    throw new KioskError('key-missing', `device key ${keyFile} is missing: run \`kiosk provision\` again`, {
      cause: err,
      details: { field: 'device.keyFile', path: keyFile },
    });
  }
  if ((mode & 0o077) !== 0) {
    throw new KioskError(
      'key-permissions',
      `device key ${keyFile} has mode ${(mode & 0o777).toString(8)}; it must be 600: run \`chmod 600 ${keyFile}\``,
      { details: { field: 'device.keyFile', path: keyFile } },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(keyFile));
  } catch (err) {
    throw new KioskError('key-missing', `device key ${keyFile} is not a readable private key`, {
      cause: err,
      details: { field: 'device.keyFile', path: keyFile },
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KioskError('key-missing', `device key ${keyFile} is ${key.asymmetricKeyType}, expected ed25519`);
  }
  return identityFromKey(deviceId, key);
}

export function identityFromKey(deviceId: string, key: KeyObject): DeviceIdentity {
  return {
    deviceId,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), key).toString('base64url'),
  };
}

export function publicKeyOf(privateKeyPem: string): string {
  return rawPublicKey(createPublicKey(privateKeyPem));
}
