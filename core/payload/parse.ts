import type { Credential } from './types.ts';
import { unreadable } from './types.ts';
import { decodePayloadText } from './text.ts';
import { looksLikeCccd, parseCccd } from './vn-cccd.ts';
import { looksLikePcCovid, parsePcCovid } from './vn-pccovid.ts';

export interface ParseOptions {
  /** The transport could only carry ASCII (keyboard wedge). */
  isAsciiOnly?: boolean;
}

/**
 * Scanner bytes → Credential. Total: every input yields a Credential, never an exception, so a
 * hostile or broken QR becomes a `deny` with reason `unreadable` instead of a crash.
 */
export function parsePayload(bytes: Uint8Array, _options: ParseOptions = {}): Credential {
  const decoded = decodePayloadText(bytes);
  if (!decoded.ok) return unreadable(decoded.problem);
  const text = decoded.text;

  if (text.includes('|')) {
    const fields = text.split('|');
    if (looksLikeCccd(fields)) return parseCccd(fields);
    if (looksLikePcCovid(fields)) return parsePcCovid(fields);
    return unreadable(`${fields.length} |-separated fields match no known QR (CCCD has 7 or 11, PC-COVID 6)`);
  }
  return unreadable('text matches no known QR format', 'unknown', ['unknown-format']);
}
