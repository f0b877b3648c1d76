import { createHmac, createPublicKey, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { RISK_HASH_BYTES, riskHashInput } from '../../common/risk.ts';
import { KioskError } from '../../common/errors.ts';
import type { HealthStatus } from '../../common/verdict.ts';
import type { RiskListResponse, SeqRange, StatusResponse, Subject } from '../../common/wire.ts';

/**
 * What both store engines decide the same way: identifiers, enrollment-code rules, seq-range
 * arithmetic and the risk-list hash. Engine files hold only their queries.
 */

/** Crockford base32 without I, L, O, U: read aloud or typed from a printout without mistakes. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const DEFAULT_CODE_TTL_MS = 24 * 3600_000;

export function newEnrollmentCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export function normaliseCode(code: string): string {
  const compact = code.toUpperCase().replace(/[^0-9A-Z]/g, '');
  return compact.length === 10 ? `${compact.slice(0, 5)}-${compact.slice(5)}` : compact;
}

export const newVenueId = (): string => `v_${randomBytes(6).toString('hex')}`;
export const newDeviceId = (): string => `d_${randomBytes(8).toString('hex')}`;

/** The enrollment code as the database holds it; undefined when the code is unknown. */
export interface CodeRow {
  venueId: string;
  expiresAt: number;
  usedAt: number | null;
}

/** Refuses a code that cannot enroll a device, with the words a technician needs. */
export function checkEnrollmentCode(row: CodeRow | undefined, now: number): asserts row is CodeRow {
  if (!row) throw new KioskError('enroll-code-invalid', 'enrollment code not known: check it for typos or ask for a new one');
  if (row.usedAt !== null) throw new KioskError('enroll-code-used', 'enrollment code already used: each code enrolls one device; ask for a new one');
  if (row.expiresAt < now) throw new KioskError('enroll-code-expired', 'enrollment code expired: ask the venue administrator for a new one');
}

export const keyAlreadyEnrolled = (): KioskError => new KioskError('bad-request', 'this public key is already enrolled');

/** Sorted contiguous runs of a list of seqs: [1,2,3,7,8] → [{1,3},{7,8}]. */
export function runsOf(seqs: readonly number[]): SeqRange[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const runs: SeqRange[] = [];
  for (const s of sorted) {
    const last = runs.at(-1);
    if (last && s === last.to + 1) last.to = s;
    else runs.push({ from: s, to: s });
  }
  return runs;
}

/** Ranges a device has delivered, merged with new runs: touching or overlapping ranges become one. */
export function mergeRanges(existing: readonly SeqRange[], runs: readonly SeqRange[]): SeqRange[] {
  const all = [...existing, ...runs].sort((a, b) => a.from - b.from);
  const merged: SeqRange[] = [];
  for (const r of all) {
    const last = merged.at(-1);
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return merged;
}

/** The holes below the highest seq received, from the delivered ranges in `from` order. */
export function gapsOf(ranges: readonly SeqRange[]): SeqRange[] {
  const gaps: SeqRange[] = [];
  let next = 1;
  for (const r of ranges) {
    if (r.from > next) gaps.push({ from: next, to: r.from - 1 });
    next = Math.max(next, r.to + 1);
  }
  return gaps;
}

export function riskHash(riskKey: Buffer, subject: Subject): Buffer {
  return createHmac('sha256', riskKey).update(riskHashInput(subject.type, subject.id)).digest().subarray(0, RISK_HASH_BYTES);
}

/** Red, F0 and F1 people are on the list kiosks check offline. */
export const isRiskListed = (status: string, flags: readonly string[]): boolean => status === 'red' || flags.includes('F0') || flags.includes('F1');

/**
 * PostgreSQL refuses NUL in text and both engines would store a lone surrogate as mojibake: the
 * API refuses such strings in any body before a query runs (a 400 naming the field, never a 500).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

export interface RiskChangeRow {
  seq: number;
  hash: Buffer;
  is_added: number | boolean;
}

/** A snapshot page of the risk list: the hashes after the cursor's key, in order. */
export function riskSnapshotPage(hashes: readonly Buffer[], head: number, pageSize: number): RiskListResponse {
  return {
    mode: 'snapshot',
    snapshotCursor: head,
    hashes: Buffer.concat(hashes).toString('base64'),
    next: hashes.length === pageSize ? (hashes.at(-1) as Buffer).toString('hex') : null,
  };
}

/** A delta page: the net effect per hash within the page (the last change wins). */
export function riskDeltaPage(changes: readonly RiskChangeRow[], cursor: number, head: number): RiskListResponse {
  const net = new Map<string, { hash: Buffer; isAdded: boolean }>();
  for (const c of changes) net.set(c.hash.toString('hex'), { hash: c.hash, isAdded: c.is_added === 1 || c.is_added === true });
  const added = [...net.values()].filter((c) => c.isAdded).map((c) => c.hash);
  const removed = [...net.values()].filter((c) => !c.isAdded).map((c) => c.hash);
  const next = Number(changes.at(-1)?.seq ?? cursor);
  return { mode: 'delta', cursor: next, added: Buffer.concat(added).toString('base64'), removed: Buffer.concat(removed).toString('base64'), hasMore: next < head };
}

/** A status answer: unknown people are looked up again sooner than known ones. */
export function statusOf(row: { status: HealthStatus; flags: string; declared_at: number | string | null } | undefined): StatusResponse {
  if (!row) return { status: 'unknown', flags: [], declaredAt: null, ttlMs: 60_000 };
  return {
    status: row.status,
    flags: row.flags === '' ? [] : (row.flags.split(',') as StatusResponse['flags']),
    declaredAt: row.declared_at === null ? null : Number(row.declared_at),
    ttlMs: 300_000,
  };
}

/** The server key's public half, raw, base64url: what enrollment hands to kiosks. */
export function serverPublicKeyOf(serverKey: KeyObject): string {
  const der = createPublicKey(serverKey).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64url');
}
