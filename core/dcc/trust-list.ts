import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Clock } from '../../common/clock.ts';
import { KioskError } from '../../common/errors.ts';
import { trustEntrySchema, trustListResponseSchema, trustListSigningBytes, type TrustEntry, type TrustListResponse } from '../../common/wire.ts';
import type { HttpRequester } from '../http/client.ts';
import { PeriodicSync } from '../http/periodic-sync.ts';
import type { Logger } from '../log.ts';
import type { TrustListState, TrustListStore, ValueSets } from '../lists/trust-list-store.ts';
import { TrustStore } from './trust.ts';

/** A trust file: the EU gateway's DSC list shape, an array of `{kid, country, rawData}` (other fields ignored). */
export const trustFileSchema = z.array(trustEntrySchema).max(20_000);

export function readTrustFile(path: string): TrustEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KioskError('config-invalid', `trust file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = trustFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KioskError('config-invalid', `trust file ${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'} (expected a JSON array of {kid, country, rawData})`);
  }
  return parsed.data;
}

/**
 * The trust list the pipeline verifies against: the synced copy in SQLite, plus an optional local
 * file (an unprovisioned kiosk, a test bench). Rebuilt after each change; parsing of certificates
 * is lazy per kid, so a rebuild costs nothing until a certificate is scanned.
 */
export class TrustListHolder {
  private readonly store: TrustListStore | undefined;
  private readonly extra: readonly TrustEntry[];
  private current: TrustStore;
  private sets: ValueSets | null;

  constructor(store: TrustListStore | undefined, extra: readonly TrustEntry[] = []) {
    this.store = store;
    this.extra = extra;
    this.current = this.build();
    this.sets = store?.valueSets() ?? null;
  }

  get(): TrustStore {
    return this.current;
  }

  valueSets(): ValueSets | null {
    return this.sets;
  }

  reload(): void {
    this.current = this.build();
    this.sets = this.store?.valueSets() ?? null;
  }

  state(): TrustListState {
    return this.store?.state() ?? { version: 0, syncedAt: null, size: this.extra.length };
  }

  private build(): TrustStore {
    return new TrustStore([...(this.store?.entries() ?? []), ...this.extra]);
  }
}

/** Verifies the server's Ed25519 signature over a trust-list answer; a tampered list is never applied. */
export function verifyTrustListSignature(response: TrustListResponse, serverKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(trustListSigningBytes(response)), serverKey, Buffer.from(response.signature, 'base64url'));
  } catch {
    return false;
  }
}

export interface TrustListSyncOptions {
  http: HttpRequester;
  store: TrustListStore;
  holder: TrustListHolder;
  /** The server's Ed25519 public key (raw, base64url); without it the list is refused. */
  serverPublicKey: string | undefined;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  onSynced?: (state: TrustListState) => void;
}

/** Keeps the trust list and value sets current: a full list first, deltas by version after. */
export class TrustListSync extends PeriodicSync {
  private readonly o: TrustListSyncOptions;
  private readonly serverKey: KeyObject | undefined;

  constructor(options: TrustListSyncOptions) {
    super('trust list', options);
    this.o = options;
    this.serverKey = options.serverPublicKey ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: options.serverPublicKey }, format: 'jwk' }) : undefined;
  }

  protected async sync(signal: AbortSignal): Promise<void> {
    const { store, clock } = this.o;
    if (!this.serverKey) throw new Error('server.publicKey is not configured: a trust list cannot be authenticated (re-provision the kiosk)');
    const since = store.state().version;
    const outcome = await this.o.http.request({ method: 'GET', path: `/v1/trust-list?since=${since}`, schema: trustListResponseSchema, timeoutMs: 30_000, signal });
    if (!outcome.ok) throw new Error(outcome.message);
    const list = outcome.value;
    if (!verifyTrustListSignature(list, this.serverKey)) throw new Error('trust list signature does not verify: refused (tampered or wrong server key)');
    if (!list.isFull && list.version < since) throw new Error(`trust list version went back from ${since} to ${list.version}: refused`);
    store.apply(list, clock.nowMs());
    this.o.holder.reload();
    this.o.onSynced?.(store.state());
  }
}
