import type Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import type { TrustEntry, TrustListResponse } from '../../../common/wire.ts';
import { checkTrustEntries, planTrustImport, signTrustList, type TrustListRow } from '../trust-rules.ts';
import type { TrustImport, TrustListStore, ValueSets } from '../store.ts';

/**
 * The server's EU DCC trust list (document-signer certificates in the EU gateway's shape) and value
 * sets, versioned: each import that changes something is one new version, and kiosks ask for the
 * changes after the version they hold. Answers are signed with the server's Ed25519 key.
 */
export class SqliteTrustList implements TrustListStore {
  private readonly db: Database.Database;
  private readonly key: KeyObject;

  constructor(db: Database.Database, key: KeyObject) {
    this.db = db;
    this.key = key;
  }

  async version(): Promise<number> {
    return this.versionNow();
  }

  private versionNow(): number {
    return Number(this.meta('trust_version'));
  }

  /**
   * Makes the published list equal to `entries` (and the value sets, when given). Every entry must
   * be an X.509 certificate whose SHA-256 starts with its kid: a typo'd or swapped entry is refused
   * before anything is written.
   */
  async import(entries: readonly TrustEntry[], valueSets?: ValueSets): Promise<TrustImport> {
    checkTrustEntries(entries);
    return this.db.transaction(() => {
      const current = (this.db.prepare('SELECT thumbprint FROM trust_list WHERE removed_version IS NULL').all() as Array<{ thumbprint: string }>).map((r) => r.thumbprint);
      const plan = planTrustImport(current, entries, valueSets, this.meta('value_sets'), this.versionNow());
      if (!plan.version) return plan.outcome;
      const version = plan.version;
      const upsert = this.db.prepare(`
        INSERT INTO trust_list (thumbprint, kid, country, raw_data, certificate_type, added_version, removed_version) VALUES (?, ?, ?, ?, ?, ?, NULL)
        ON CONFLICT (thumbprint) DO UPDATE SET added_version = excluded.added_version, removed_version = NULL, certificate_type = excluded.certificate_type`);
      for (const [t, e] of plan.toAdd) upsert.run(t, e.kid, e.country, e.rawData, e.certificateType ?? 'DSC', version);
      const remove = this.db.prepare('UPDATE trust_list SET removed_version = ? WHERE thumbprint = ?');
      for (const t of plan.toRemove) remove.run(version, t);
      this.setMeta('trust_version', String(version));
      if (plan.valueSetsJson !== undefined) {
        this.setMeta('value_sets', plan.valueSetsJson);
        this.setMeta('value_sets_version', String(version));
      }
      return plan.outcome;
    })();
  }

  /** Changes after version `since` (the full list when 0 or unknown), signed. */
  async since(since: number): Promise<TrustListResponse> {
    const version = this.versionNow();
    const isFull = since <= 0 || since > version;
    const certificates = isFull
      ? (this.db.prepare('SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL ORDER BY kid, thumbprint').all() as TrustListRow[])
      : (this.db.prepare('SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL AND added_version > ? ORDER BY kid, thumbprint').all(since) as TrustListRow[]);
    const removed = isFull
      ? []
      : (this.db.prepare('SELECT thumbprint FROM trust_list WHERE removed_version > ? ORDER BY thumbprint').all(since) as Array<{ thumbprint: string }>).map((r) => r.thumbprint);
    return signTrustList(this.key, { version, isFull, since, certificates, removed, valueSetsJson: this.meta('value_sets'), valueSetsVersion: Number(this.meta('value_sets_version')) });
  }

  private meta(key: string): string {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? '';
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(value, key);
  }
}
