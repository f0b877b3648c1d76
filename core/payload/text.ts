/**
 * Bytes → text, deliberately: UTF-8 with `fatal`, never byte by byte (docs/hardware.md §1.2).
 * Scanners may prefix an AIM symbology identifier (`]Q1`) or an ECI marker (`\000026` = UTF-8).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export const MAX_PAYLOAD_BYTES = 4096;

export type DecodedText = { ok: true; text: string; symbology?: string } | { ok: false; problem: string };

export function decodePayloadText(bytes: Uint8Array): DecodedText {
  if (bytes.length === 0) return { ok: false, problem: 'empty payload' };
  if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, problem: `payload of ${bytes.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: 'payload is not valid UTF-8 (binary data, or a scanner in a legacy code page)' };
  }
  let symbology: string | undefined;
  const aim = /^\][A-Za-z][0-9A-Za-z]/.exec(text);
  if (aim) {
    symbology = aim[0];
    text = text.slice(3);
  }
  if (text.startsWith('\\000026')) text = text.slice(7);
  text = text.normalize('NFC');
  // C0 controls other than TAB, and DEL, never occur in any QR format we accept: binary garbage.
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(text)) return { ok: false, problem: 'payload contains control characters' };
  if (text.trim().length === 0) return { ok: false, problem: 'payload is blank' };
  return symbology === undefined ? { ok: true, text } : { ok: true, text, symbology };
}

/** Family name in full, other words as initials: "Nguyễn Thị Ánh Tuyết" → "Nguyễn T. Á. T.". */
export function maskName(fullName: string): string {
  const words = fullName.trim().split(/\s+/u).filter((w) => w.length > 0);
  if (words.length === 0) return '';
  const [family, ...rest] = words;
  const initials = rest.map((w) => `${Array.from(w)[0] ?? ''}.`);
  return [family, ...initials].join(' ');
}

/** True when a name has Vietnamese letters only (with diacritics), spaces and the odd apostrophe. */
export function isPlausibleName(name: string): boolean {
  return /^[\p{L}\p{M}][\p{L}\p{M} '.-]{0,99}$/u.test(name.trim());
}

/** Vietnamese letters that only exist with diacritics; their absence in a long name hints at ASCII loss. */
export function hasVietnameseDiacritics(text: string): boolean {
  return /[^\u0000-\u007F]/u.test(text);
}

/** `ddmmyyyy` or `dd/mm/yyyy` → ISO date, checking the calendar. */
export function parseVnDate(text: string): string | undefined {
  const m = /^(\d{2})\/?(\d{2})\/?(\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  const [, dd, mm, yyyy] = m as unknown as [string, string, string, string];
  const d = Number(dd);
  const mo = Number(mm);
  const y = Number(yyyy);
  if (y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1) return undefined;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > days) return undefined;
  return `${yyyy}-${mm}-${dd}`;
}
