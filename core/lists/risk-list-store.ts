import { RISK_HASH_BYTES } from '../../common/risk.ts';
import type { ListDb, ListStatement } from './list-db.ts';

export interface RiskListState {
  cursor: number;
  /** Wall time of the last complete sync; null before the first. */
  syncedAt: number | null;
  size: number;
}

/** Splits base64 of concatenated hashes; a length that is not a multiple of 16 is refused. */
export function splitHashes(base64: string): Buffer[] {
  const all = Buffer.from(base64, 'base64');
  if (all.length % RISK_HASH_BYTES !== 0) throw new Error(`risk-list page of ${all.length} bytes is not a whole number of hashes`);
  const hashes: Buffer[] = [];
  for (let i = 0; i < all.length; i += RISK_HASH_BYTES) hashes.push(all.subarray(i, i + RISK_HASH_BYTES));
  return hashes;
}

/** The kiosk's copy of the risk list, kept in the outbox's database (see list-db.ts). */
export class RiskListStore {
  private readonly db: ListDb;
  private readonly hasStmt: ListStatement;

  constructor(db: ListDb) {
    this.db = db;
    this.hasStmt = db.prepare('SELECT 1 FROM risk_list WHERE hash = ?');
  }

  /** One primary-key lookup: the cost does not depend on the list's size in any way that matters (B-tree depth 3-4 for millions). */
  has(hash: Buffer): boolean {
    return this.hasStmt.get(hash) !== undefined;
  }

  state(): RiskListState {
    const meta = this.db.prepare("SELECT key, value FROM meta WHERE key IN ('risk_cursor', 'risk_synced_at')").all() as Array<{ key: string; value: string }>;
    const get = (k: string) => meta.find((m) => m.key === k)?.value ?? '';
    const syncedAt = get('risk_synced_at');
    return {
      cursor: Number(get('risk_cursor') || 0),
      syncedAt: syncedAt === '' ? null : Number(syncedAt),
      size: (this.db.prepare('SELECT count(*) AS n FROM risk_list').get() as { n: number }).n,
    };
  }

  /** Stages one page of a snapshot (first sync, or a resync). */
  stageSnapshot(hashes: readonly Buffer[], isFirstPage: boolean): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO risk_list_next (hash) VALUES (?)');
    this.db.transaction(() => {
      if (isFirstPage) this.db.prepare('DELETE FROM risk_list_next').run();
      for (const h of hashes) insert.run(h);
    })();
  }

  /** Swaps the staged snapshot in, in one transaction, and sets the cursor deltas continue from. */
  commitSnapshot(cursor: number, syncedAt: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM risk_list').run();
      this.db.prepare('INSERT INTO risk_list (hash) SELECT hash FROM risk_list_next').run();
      this.db.prepare('DELETE FROM risk_list_next').run();
      this.setMeta(cursor, syncedAt);
    })();
  }

  applyDelta(added: readonly Buffer[], removed: readonly Buffer[], cursor: number, syncedAt: number | null): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO risk_list (hash) VALUES (?)');
    const remove = this.db.prepare('DELETE FROM risk_list WHERE hash = ?');
    this.db.transaction(() => {
      for (const h of removed) remove.run(h);
      for (const h of added) insert.run(h);
      this.setMeta(cursor, syncedAt);
    })();
  }

  private setMeta(cursor: number, syncedAt: number | null): void {
    this.db.prepare("UPDATE meta SET value = ? WHERE key = 'risk_cursor'").run(String(cursor));
    if (syncedAt !== null) this.db.prepare("UPDATE meta SET value = ? WHERE key = 'risk_synced_at'").run(String(syncedAt));
  }
}
