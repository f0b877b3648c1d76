import { createHash } from 'node:crypto';
import type { TrustEntry } from '../../common/wire.ts';
import type { ListDb } from './list-db.ts';

export interface TrustListState {
  version: number;
  /** Wall time of the last successful sync or import; null before the first. */
  syncedAt: number | null;
  size: number;
}

export type ValueSets = Record<string, Record<string, string>>;

/** SHA-256 of the DER certificate, hex: the identity of a trust-list entry (kids may collide). */
export function thumbprintOf(rawData: string): string {
  return createHash('sha256').update(Buffer.from(rawData, 'base64')).digest('hex');
}

/** The kiosk's copy of the DCC trust list, kept in the outbox's database (see list-db.ts). */
export class TrustListStore {
  private readonly db: ListDb;

  constructor(db: ListDb) {
    this.db = db;
  }

  entries(): TrustEntry[] {
    type Row = { kid: string; country: string; raw_data: string; certificate_type: string };
    return (this.db.prepare('SELECT kid, country, raw_data, certificate_type FROM trust_list ORDER BY kid').all() as Row[]).map((r) => ({
      kid: r.kid,
      country: r.country,
      rawData: r.raw_data,
      ...(r.certificate_type === 'CSCA' ? { certificateType: 'CSCA' as const } : {}),
    }));
  }

  state(): TrustListState {
    const get = (k: string) => (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value ?? '';
    const syncedAt = get('trust_synced_at');
    return {
      version: Number(get('trust_version') || 0),
      syncedAt: syncedAt === '' ? null : Number(syncedAt),
      size: (this.db.prepare('SELECT count(*) AS n FROM trust_list').get() as { n: number }).n,
    };
  }

  valueSets(): ValueSets | null {
    const raw = (this.db.prepare("SELECT value FROM meta WHERE key = 'trust_value_sets'").get() as { value: string } | undefined)?.value ?? '';
    return raw === '' ? null : (JSON.parse(raw) as ValueSets);
  }

  /**
   * Applies a verified list in one transaction: a full list replaces everything, a delta adds and
   * removes by thumbprint. Value sets are replaced when sent (null = unchanged).
   */
  apply(change: { version: number; isFull: boolean; certificates: readonly TrustEntry[]; removed: readonly string[]; valueSets: ValueSets | null }, syncedAt: number): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO trust_list (thumbprint, kid, country, raw_data, certificate_type) VALUES (?, ?, ?, ?, ?)');
    const remove = this.db.prepare('DELETE FROM trust_list WHERE thumbprint = ?');
    const setMeta = this.db.prepare('UPDATE meta SET value = ? WHERE key = ?');
    this.db.transaction(() => {
      if (change.isFull) this.db.prepare('DELETE FROM trust_list').run();
      for (const t of change.removed) remove.run(t);
      for (const c of change.certificates) insert.run(thumbprintOf(c.rawData), c.kid, c.country, c.rawData, c.certificateType ?? 'DSC');
      setMeta.run(String(change.version), 'trust_version');
      setMeta.run(String(syncedAt), 'trust_synced_at');
      if (change.valueSets !== null) setMeta.run(JSON.stringify(change.valueSets), 'trust_value_sets');
    })();
  }
}
