/**
 * Risk-list wire format, shared by the server and the kiosk. A subject is listed as the first
 * 16 bytes of HMAC-SHA-256(riskListKey, "<type>:<id>"): 128 bits make accidental collisions in a
 * list of millions impossible in practice, at half the storage of the full digest.
 */
export const RISK_HASH_BYTES = 16;

export function riskHashInput(type: string, id: string): string {
  return `${type}:${id}`;
}

/** Largest page of a snapshot or a delta, in hashes. */
export const RISK_PAGE_MAX = 50_000;
