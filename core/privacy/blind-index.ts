import { createHmac, createPrivateKey, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { subjectKeyText } from '../../common/subject-id.ts';
import type { Subject } from '../../common/wire.ts';

/**
 * Blind indexes of sealed subjects (docs/tracing.md): HMAC-SHA-256 of "type:id" under a key for the
 * entry's Vietnam day, first 16 bytes, base64url. The health authority derives every day key from
 * its private key and hands kiosks only the days they need; the server operator holds none, so it
 * cannot test a guessed CCCD number, and equal indexes link a person within one day only.
 */
export const BLIND_INDEX_BYTES = 16;
const VN_OFFSET_MS = 7 * 3600_000;

/** The authority's root for day keys, derived from its X25519 private key (never leaves the authority). */
export function blindMasterOf(authorityPrivateKeyPem: string): Buffer {
  const der = createPrivateKey(authorityPrivateKeyPem).export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), 'KIOSK-BLIND-MASTER-V1', 32));
}

export function dayKeyOf(master: Buffer, day: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `KIOSK-BLIND-DAY-V1:${day}`, 32));
}

export function blindIndexOf(dayKey: Buffer, subject: Subject): string {
  return createHmac('sha256', dayKey).update(subjectKeyText(subject), 'utf8').digest().subarray(0, BLIND_INDEX_BYTES).toString('base64url');
}

/** The Vietnam calendar day (UTC+7) of a time: "2021-09-01". */
export function vnDayOf(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Every Vietnam day a window touches, one day either side (a kiosk clock near midnight may be off). */
export function vnDaysOf(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = fromMs - 86_400_000; t <= toMs + 86_400_000; t += 86_400_000) days.push(vnDayOf(t));
  const last = vnDayOf(toMs + 86_400_000);
  if (days.at(-1) !== last) days.push(last);
  return [...new Set(days)];
}

/** What `kiosk authority day-keys` writes and a kiosk reads (privacy.blindIndexKeysFile). */
export const dayKeysFileSchema = z.strictObject({
  version: z.literal(1),
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.string().regex(/^[A-Za-z0-9_-]{43}$/)),
});
export type DayKeysFile = z.infer<typeof dayKeysFileSchema>;

export function makeDayKeys(master: Buffer, days: readonly string[]): DayKeysFile {
  return { version: 1, days: Object.fromEntries(days.map((d) => [d, dayKeyOf(master, d).toString('base64url')])) };
}

/** The kiosk's side: blind indexes for the days its key file holds. */
export class BlindIndexer {
  private readonly days: Map<string, Buffer>;

  constructor(file: DayKeysFile) {
    this.days = new Map(Object.entries(file.days).map(([d, k]) => [d, Buffer.from(k, 'base64url')]));
  }

  static fromFile(path: string): BlindIndexer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new KioskError('config-invalid', `privacy.blindIndexKeysFile ${path}: cannot read it as JSON (${(err as Error).message})`, { cause: err });
    }
    const file = dayKeysFileSchema.safeParse(parsed);
    if (!file.success) throw new KioskError('config-invalid', `privacy.blindIndexKeysFile ${path}: not a day-keys file from kiosk authority day-keys`);
    return new BlindIndexer(file.data);
  }

  /** Indexes of the identifiers (subject first), or null when the file has no key for that day. */
  indexes(subjects: readonly Subject[], atMs: number): string[] | null {
    const key = this.days.get(vnDayOf(atMs));
    return key ? subjects.map((s) => blindIndexOf(key, s)) : null;
  }
}
