import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * The technician PIN, stored only as `scrypt$<salt>$<hash>` (base64url) in the config: a config
 * file read off a stolen SD card does not give the PIN away for free.
 */
const KEYLEN = 32;
const COST = { N: 16_384, r: 8, p: 1 } as const;

export function hashPin(pin: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${scryptSync(pin, salt, KEYLEN, COST).toString('base64url')}`;
}

export function verifyPin(pin: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(pin, Buffer.from(salt, 'base64url'), expected.length, COST);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
