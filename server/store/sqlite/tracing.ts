import type Database from 'better-sqlite3';
import { KioskError } from '../../../common/errors.ts';
import type { Subject } from '../../../common/wire.ts';
import { subjectKeyText } from '../../../common/subject-id.ts';
import { auditOf, subjectsByPerson, tokenOf, traceEntryOf, type AuditDbRow, type TokenDbRow, type TraceDbRow } from '../tracing-rows.ts';
import type { AuditRecord, IdentityLink, NewAuditRecord, NewTokenRow, TokenRow, TraceEntry, TraceKeys, TracingStore, VenueWindow } from '../tracing.ts';


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

  async linkIdentities(links: readonly IdentityLink[]): Promise<number> {
    const upsert = this.db.prepare(
      `INSERT INTO person_links (type, id, person_id, source) VALUES (?, ?, ?, ?)
       ON CONFLICT (type, id) DO UPDATE SET person_id = excluded.person_id, source = excluded.source`,
    );
    this.db.transaction(() => {
      for (const l of links) upsert.run(l.subject.type, l.subject.id, l.personId, l.source);
    })();
    return links.length;
  }

  async identitiesOf(subjects: readonly Subject[]): Promise<Subject[]> {
    const found = new Map<string, Subject>(subjects.map((s) => [subjectKeyText(s), s]));
    const personOf = this.db.prepare('SELECT person_id FROM person_links WHERE type = ? AND id = ?').pluck();
    const membersOf = this.db.prepare('SELECT type, id FROM person_links WHERE person_id = ?');
    // Pairs read from one QR; DISTINCT on the small per-person slice the subject and alt indexes give.
    const altsOf = this.db.prepare('SELECT DISTINCT alt_type AS type, alt_id AS id FROM entries WHERE subject_type = ? AND subject_id = ? AND alt_id IS NOT NULL');
    const mainsOf = this.db.prepare('SELECT DISTINCT subject_type AS type, subject_id AS id FROM entries WHERE alt_type = ? AND alt_id = ? AND subject_id IS NOT NULL');
    let frontier = [...found.values()];
    // Two rounds reach QID → CCCD (link) → CMND (QR pair); a person has a handful of identifiers.
    for (let round = 0; round < 3 && frontier.length > 0; round++) {
      const next: Subject[] = [];
      const add = (s: Subject) => {
        const key = subjectKeyText(s);
        if (!found.has(key)) {
          found.set(key, s);
          next.push(s);
        }
      };
      for (const s of frontier) {
        const personId = personOf.get(s.type, s.id) as string | undefined;
        if (personId !== undefined) for (const m of membersOf.all(personId) as Subject[]) add(m);
        for (const m of altsOf.all(s.type, s.id) as Subject[]) add(m);
        for (const m of mainsOf.all(s.type, s.id) as Subject[]) add(m);
      }
      frontier = next;
    }
    return [...found.values()];
  }

  async identitiesOfEach(groups: ReadonlyArray<readonly Subject[]>): Promise<Subject[][]> {
    // In-process statements: no round trip to save by batching the groups.
    return Promise.all(groups.map((g) => this.identitiesOf(g)));
  }

  async personIdsOf(subjects: readonly Subject[]): Promise<Map<string, string>> {
    // Thousands of identifiers per exposure: one statement over a JSON array instead of a statement
    // per identifier (the per-call overhead was a fifth of an exposure's time).
    const rows = this.db
      .prepare(
        `SELECT l.type, l.id, l.person_id FROM json_each(?) AS q
         JOIN person_links l ON l.type = json_extract(q.value, '$[0]') AND l.id = json_extract(q.value, '$[1]')`,
      )
      .all(JSON.stringify(subjects.map((s) => [s.type, s.id]))) as Array<{ type: Subject['type']; id: string; person_id: string }>;
    return new Map(rows.map((r) => [subjectKeyText({ type: r.type, id: r.id }), r.person_id]));
  }

  async subjectsOfPersons(personIds: readonly string[]): Promise<Map<string, Subject[]>> {
    const rows = this.db
      .prepare('SELECT l.type, l.id, l.person_id FROM json_each(?) AS q JOIN person_links l ON l.person_id = q.value')
      .all(JSON.stringify(personIds)) as Array<{ type: Subject['type']; id: string; person_id: string }>;
    return subjectsByPerson(rows);
  }

  async entriesOf(keys: TraceKeys, fromMs: number, toMs: number): Promise<TraceEntry[]> {
    const rows = new Map<string, TraceDbRow>();
    const collect = (stmt: Database.Statement, ...params: unknown[]) => {
      for (const r of stmt.all(...params) as TraceDbRow[]) rows.set(r.entry_id, r);
    };
    if (keys.kind === 'subjects') {
      const bySubject = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM entries WHERE subject_type = ? AND subject_id = ? AND subject_id IS NOT NULL AND ${AT} BETWEEN ? AND ?`);
      const byAlt = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM entries WHERE alt_type = ? AND alt_id = ? AND alt_id IS NOT NULL AND ${AT} BETWEEN ? AND ?`);
      for (const s of keys.subjects) {
        collect(bySubject, s.type, s.id, fromMs, toMs);
        collect(byAlt, s.type, s.id, fromMs, toMs);
      }
    } else {
      const byBlind = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM entries WHERE blind_index = ? AND blind_index IS NOT NULL AND ${AT} BETWEEN ? AND ?`);
      const byBlindAlt = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM entries WHERE blind_alt = ? AND blind_alt IS NOT NULL AND ${AT} BETWEEN ? AND ?`);
      for (const b of keys.indexes) {
        collect(byBlind, b, fromMs, toMs);
        collect(byBlindAlt, b, fromMs, toMs);
      }
    }
    return [...rows.values()].map(traceEntryOf).sort((a, b) => a.at - b.at || a.entryId.localeCompare(b.entryId));
  }

  async entriesInWindows(windows: readonly VenueWindow[]): Promise<TraceEntry[]> {
    const stmt = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM entries WHERE venue_id = ? AND ${AT} BETWEEN ? AND ?`);
    const rows: TraceDbRow[] = [];
    for (const w of windows) for (const r of stmt.all(w.venueId, w.fromMs, w.toMs) as TraceDbRow[]) rows.push(r);
    return rows.map(traceEntryOf);
  }

  async venuesWithExits(ranges: readonly VenueWindow[]): Promise<Set<string>> {
    const stmt = this.db.prepare('SELECT 1 FROM entry_day_counts WHERE venue_id = ? AND day BETWEEN ? AND ? AND exits > 0 LIMIT 1');
    return new Set(ranges.filter((r) => stmt.get(r.venueId, vnDayOf(r.fromMs), vnDayOf(r.toMs)) !== undefined).map((r) => r.venueId));
  }
}

/** The Vietnam day (days since the epoch at UTC+7) as the roll-up numbers it. */
const vnDayOf = (ms: number): number => Math.floor((ms + 7 * 3600_000) / 86_400_000);

/** The effective time, spelled exactly as in the indexes of migration 0080 so SQLite uses them. */
const AT = 'coalesce(corrected_at, recorded_at)';
const TRACE_COLUMNS = `entry_id, venue_id, ${AT} AS at, direction, subject_type, subject_id, alt_type, alt_id, sealed_subject, blind_index, blind_alt`;

