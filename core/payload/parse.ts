import { ENROLL_PREFIX } from '../../common/enroll.ts';
import type { Credential } from './types.ts';
import { unreadable } from './types.ts';
import { decodePayloadText, hasVietnameseDiacritics } from './text.ts';
import { looksLikeCccd, parseCccd } from './vn-cccd.ts';
import { looksLikePcCovid, parsePcCovid } from './vn-pccovid.ts';
import { looksLikeBhyt, parseBhyt } from './vn-bhyt.ts';
import { looksLikeUrl, parseUrl } from './venue-qr.ts';

/**
 * Verifies an EU DCC (`HC1:` text) into a Credential. Injected because verification needs
 * node:crypto, a trust list and a clock, none of which this pure layer may import (core/dcc/).
 */
export type DccVerifier = (text: string) => Credential;

export interface ParseOptions {
  /** The transport could only carry ASCII (keyboard wedge). */
  isAsciiOnly?: boolean;
  /** Key presses the keyboard decoder could not turn into characters. */
  lostChars?: number;
  /** Without one, an EU DCC is recognised but cannot be verified: denied with the reason. */
  verifyDcc?: DccVerifier;
}

/**
 * Scanner bytes → Credential. Total: every input yields a Credential, never an exception, so a
 * hostile or broken QR becomes a `deny` with reason `unreadable` instead of a crash.
 */
export function parsePayload(bytes: Uint8Array, options: ParseOptions = {}): Credential {
  const credential = parseText(bytes, options.verifyDcc);
  return options.isAsciiOnly ? flagAsciiLoss(credential, bytes, options.lostChars ?? 0) : credential;
}

function parseText(bytes: Uint8Array, verifyDcc: DccVerifier | undefined): Credential {
  const decoded = decodePayloadText(bytes);
  if (!decoded.ok) return unreadable(decoded.problem);
  const text = decoded.text;

  if (text.startsWith(ENROLL_PREFIX)) {
    return unreadable('an enrollment QR for technicians (`kiosk provision --scan`), not a personal QR', 'unknown', ['unknown-format']);
  }
  if (text.startsWith('HC1:')) {
    return verifyDcc ? verifyDcc(text) : unreadable('EU DCC: this kiosk has no certificate verifier (no trust list loaded)', 'eu-dcc', ['signature-unknown-key']);
  }
  if (text.includes('|')) {
    const fields = text.split('|');
    if (looksLikeCccd(fields)) return parseCccd(fields);
    if (looksLikeBhyt(fields)) return parseBhyt(fields);
    if (looksLikePcCovid(fields)) return parsePcCovid(fields);
    return unreadable(`${fields.length} |-separated fields match no known QR (CCCD has 7 or 11, PC-COVID 6, BHYT 10-16)`);
  }
  if (looksLikeUrl(text)) return parseUrl(text);
  return unreadable('text matches no known QR format', 'unknown', ['unknown-format']);
}

/** Formats whose name field is Vietnamese text (BHYT hex-encodes its name, so it survives a wedge). */
const NAMED_FORMATS = new Set(['vn-cccd', 'vn-pccovid']);

/**
 * A keyboard-wedge scanner can only type ASCII (docs/hardware.md §1.2): the ID number survives, the name
 * does not. Keep what was read, and tell the technician to switch the scanner to HID POS or serial:
 * when keys were lost, or when a Vietnamese ID card's name arrived with no letter beyond ASCII.
 */
function flagAsciiLoss(credential: Credential, bytes: Uint8Array, lostChars: number): Credential {
  const hasPipes = bytes.includes(0x7c);
  const looksVietnamese = NAMED_FORMATS.has(credential.format) || (credential.assurance === 'unreadable' && hasPipes);
  if (lostChars === 0 && !looksVietnamese) return credential;
  // Passports carry romanised names: ASCII is normal there.
  if (lostChars === 0 && credential.assurance !== 'unreadable' && (credential.subject?.type === 'passport' || !isNameAsciiOnly(bytes, credential.format))) return credential;
  return { ...credential, reasons: [...credential.reasons, 'scanner-mode-ascii'] };
}

function isNameAsciiOnly(bytes: Uint8Array, format: string): boolean {
  const fields = new TextDecoder().decode(bytes).split('|');
  const name = format === 'vn-cccd' ? fields[2] : fields[1];
  return name !== undefined && !hasVietnameseDiacritics(name);
}
