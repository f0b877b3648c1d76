import type Database from 'better-sqlite3';
import { KioskError } from '../../../common/errors.ts';
import type { Role } from '../../http/roles.ts';
import type { AuditAction, AuditRecord, NewAuditRecord, NewTokenRow, TokenRow, TracingStore } from '../tracing.ts';

interface TokenDbRow {
  id: string;
  hash: string;
  role: Role;
  venue_id: string | null;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

interface AuditDbRow {
  seq: number;
  at: number;
  actor: string;
  role: Role;
  action: AuditAction;
  subject_hash: string | null;
  from_ms: number | null;
  to_ms: number | null;
  result_count: number;
  detail: string;
}

const tokenOf = (r: TokenDbRow): TokenRow => ({
  id: r.id,
  hash: r.hash,
  role: r.role,
  createdAt: r.created_at,
  ...(r.venue_id === null ? {} : { venueId: r.venue_id }),
  ...(r.label === null ? {} : { label: r.label }),
  ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
});

const auditOf = (r: AuditDbRow): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  role: r.role,
  action: r.action,
  subjectHash: r.subject_hash,
  fromMs: r.from_ms,
  toMs: r.to_ms,
  resultCount: r.result_count,
  detail: JSON.parse(r.detail) as AuditRecord['detail'],
});

/** SQLite side of TracingStore; shares the store's connection (and so its transactions). */
export class SqliteTracing implements TracingStore {
  private readonly db: Database.Database;
  private readonly now: () => number;

  constructor(db: Database.Database, now: () => number) {
    this.db = db;
    this.now = now;
  }

  async addToken(t: NewTokenRow): Promise<void> {
    if (t.venueId !== undefined && !this.db.prepare('SELECT 1 FROM venues WHERE id = ?').get(t.venueId)) {
      throw new KioskError('not-found', `venue ${t.venueId} does not exist: list venues, then give an existing one to --venue`);
    }
    this.db
      .prepare('INSERT INTO api_tokens (id, hash, role, venue_id, label, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.id, t.hash, t.role, t.venueId ?? null, t.label ?? null, t.createdAt);
  }

  async tokenByHash(hash: string): Promise<TokenRow | undefined> {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE hash = ?').get(hash) as TokenDbRow | undefined;
    return row && tokenOf(row);
  }

  async listTokens(): Promise<TokenRow[]> {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as TokenDbRow[]).map(tokenOf);
  }

  async revokeToken(id: string): Promise<number> {
    this.db.prepare('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(this.now(), id);
    const row = this.db.prepare('SELECT revoked_at FROM api_tokens WHERE id = ?').get(id) as { revoked_at: number } | undefined;
    if (!row) throw new KioskError('not-found', `token ${id} does not exist: see kiosk server token list`);
    return row.revoked_at;
  }

  async appendAudit(r: NewAuditRecord): Promise<AuditRecord> {
    const { seq } = this.db
      .prepare(
        `INSERT INTO audit_log (at, actor, role, action, subject_hash, from_ms, to_ms, result_count, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
      )
      .get(r.at, r.actor, r.role, r.action, r.subjectHash, r.fromMs, r.toMs, r.resultCount, JSON.stringify(r.detail)) as { seq: number };
    return { ...r, seq };
  }

  async listAudit(query: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, query.limit ?? 10_000), 100_000);
    return (this.db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(query.afterSeq ?? 0, limit) as AuditDbRow[]).map(auditOf);
  }
}
