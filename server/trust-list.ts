import type Database from 'better-sqlite3';
import { createHash, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { KioskError } from '../common/errors.ts';
import { trustListSigningBytes, type TrustEntry, type TrustListResponse } from '../common/wire.ts';

export type ValueSets = Record<string, Record<string, string>>;

export interface TrustImport {
  version: number;
  added: number;
  removed: number;
  unchanged: number;
}

const thumbprint = (rawData: string) => createHash('sha256').update(Buffer.from(rawData, 'base64')).digest('hex');

/**
 * The server's EU DCC trust list (document-signer certificates in the EU gateway's shape) and value
 * sets, versioned: each import that changes something is one new version, and kiosks ask for the
 * changes after the version they hold. Answers are signed with the server's Ed25519 key.
 */
export class ServerTrustList {
  private readonly db: Database.Database;
  private readonly key: KeyObject;

  constructor(db: Database.Database, key: KeyObject) {
    this.db = db;
    this.key = key;
  }

  version(): number {
    return Number(this.meta('trust_version'));
  }

  /**
   * Makes the published list equal to `entries` (and the value sets, when given). Every entry must
   * be an X.509 certificate whose SHA-256 starts with its kid: a typo'd or swapped entry is refused
   * before anything is written.
   */
  import(entries: readonly TrustEntry[], valueSets?: ValueSets): TrustImport {
    for (const [i, e] of entries.entries()) {
      let der: Buffer;
      try {
        der = Buffer.from(e.rawData, 'base64');
        new X509Certificate(der);
      } catch {
        throw new KioskError('bad-request', `entry ${i} (kid ${e.kid}): rawData is not a base64 DER X.509 certificate`);
      }
      const expected = createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
      if (expected !== e.kid) throw new KioskError('bad-request', `entry ${i}: kid ${e.kid} does not match its certificate (expected ${expected})`);
    }
    return this.db.transaction(() => {
      const current = new Set((this.db.prepare('SELECT thumbprint FROM trust_list WHERE removed_version IS NULL').all() as Array<{ thumbprint: string }>).map((r) => r.thumbprint));
      const wanted = new Map(entries.map((e) => [thumbprint(e.rawData), e]));
      const toAdd = [...wanted].filter(([t]) => !current.has(t));
      const toRemove = [...current].filter((t) => !wanted.has(t));
      const valueSetsJson = valueSets === undefined ? undefined : JSON.stringify(valueSets);
      const isValueSetsChanged = valueSetsJson !== undefined && valueSetsJson !== this.meta('value_sets');
      if (toAdd.length === 0 && toRemove.length === 0 && !isValueSetsChanged) {
        return { version: this.version(), added: 0, removed: 0, unchanged: current.size };
      }
      const version = this.version() + 1;
      const upsert = this.db.prepare(`
        INSERT INTO trust_list (thumbprint, kid, country, raw_data, certificate_type, added_version, removed_version) VALUES (?, ?, ?, ?, ?, ?, NULL)
        ON CONFLICT (thumbprint) DO UPDATE SET added_version = excluded.added_version, removed_version = NULL, certificate_type = excluded.certificate_type`);
      for (const [t, e] of toAdd) upsert.run(t, e.kid, e.country, e.rawData, e.certificateType ?? 'DSC', version);
      const remove = this.db.prepare('UPDATE trust_list SET removed_version = ? WHERE thumbprint = ?');
      for (const t of toRemove) remove.run(version, t);
      this.setMeta('trust_version', String(version));
      if (isValueSetsChanged) {
        this.setMeta('value_sets', valueSetsJson);
        this.setMeta('value_sets_version', String(version));
      }
      return { version, added: toAdd.length, removed: toRemove.length, unchanged: current.size - toRemove.length };
    })();
  }

  /** Changes after version `since` (the full list when 0 or unknown), signed. */
  since(since: number): TrustListResponse {
    const version = this.version();
    const isFull = since <= 0 || since > version;
    type Row = { kid: string; country: string; raw_data: string; certificate_type: string; thumbprint: string };
    const toEntry = (r: Row): TrustEntry => ({ kid: r.kid, country: r.country, rawData: r.raw_data, ...(r.certificate_type === 'CSCA' ? { certificateType: 'CSCA' as const } : {}) });
    const certificates = isFull
      ? (this.db.prepare('SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL ORDER BY kid, thumbprint').all() as Row[]).map(toEntry)
      : (this.db.prepare('SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL AND added_version > ? ORDER BY kid, thumbprint').all(since) as Row[]).map(toEntry);
    const removed = isFull
      ? []
      : (this.db.prepare('SELECT thumbprint FROM trust_list WHERE removed_version > ? ORDER BY thumbprint').all(since) as Row[]).map((r) => r.thumbprint);
    const valueSetsJson = this.meta('value_sets');
    const isValueSetsSent = valueSetsJson !== '' && (isFull || Number(this.meta('value_sets_version')) > since);
    const body = { version, isFull, certificates, removed, valueSets: isValueSetsSent ? (JSON.parse(valueSetsJson) as ValueSets) : null };
    return { ...body, signature: sign(null, Buffer.from(trustListSigningBytes(body)), this.key).toString('base64url') };
  }

  private meta(key: string): string {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? '';
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(value, key);
  }
}
