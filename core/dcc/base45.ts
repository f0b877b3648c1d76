import { createRequire } from 'node:module';

// base45-js (ehn-dcc-development's reference implementation for the DCC) ships typings for a module
// named "base45", so it is loaded through require with its actual shape declared here.
const require = createRequire(import.meta.url);
const lib = require('base45-js') as { decode(text: string): Buffer };

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
/** Character code → Base45 value, -1 outside the alphabet: one table lookup per character. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

const valueAt = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? (VALUE[c] as number) : -1;
};

/**
 * Base45 (RFC 9285) with the checks the library leaves out: a length that is 1 modulo 3, characters
 * outside the alphabet, and triples above 0xFFFF or pairs above 0xFF are not valid Base45 and must
 * not decode to anything.
 */
export function decodeBase45(text: string): Uint8Array | undefined {
  const n = text.length;
  if (n % 3 === 1) return undefined;
  for (let i = 0; i < n; i += 3) {
    const a = valueAt(text, i);
    const b = valueAt(text, i + 1);
    if (a < 0 || b < 0) return undefined;
    if (n - i >= 3) {
      const c = valueAt(text, i + 2);
      if (c < 0 || a + b * 45 + c * 2025 > 0xffff) return undefined;
    } else if (a + b * 45 > 0xff) {
      return undefined;
    }
  }
  return new Uint8Array(lib.decode(text));
}
