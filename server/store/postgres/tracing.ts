import { KioskError } from '../../../common/errors.ts';
import { subjectKeyText } from '../../../common/subject-id.ts';
import type { Subject } from '../../../common/wire.ts';
import type { AuditRecord, IdentityLink, NewAuditRecord, NewTokenRow, TokenRow, TraceEntry, TraceKeys, TracingStore, VenueWindow } from '../tracing.ts';
import type { PgRunner } from './runner.ts';
import { auditOf, subjectsByPerson, tokenOf, traceEntryOf, type AuditDbRow, type TokenDbRow, type TraceDbRow } from '../tracing-rows.ts';

/** The effective time, spelled as in the indexes of migration 0020 so the planner uses them. */
const AT = 'coalesce(corrected_at, recorded_at)';
const TRACE_COLUMNS = `entry_id::text AS entry_id, venue_id, ${AT} AS at, direction, subject_type, subject_id, alt_type, alt_id, sealed_subject, blind_index, blind_alt`;


/**
 * The trace statements, by the name each is prepared under (the benchmark explains these very texts).
 */
export const TRACE_SQL = {
  identities: `SELECT q.g, x.type, x.id FROM unnest($1::int[], $2::text[], $3::text[]) AS q(g, type, id)
               CROSS JOIN LATERAL (
                 SELECT l2.type, l2.id FROM person_links l2 WHERE l2.person_id = (SELECT l1.person_id FROM person_links l1 WHERE l1.type = q.type AND l1.id = q.id)
                 UNION SELECT e.alt_type, e.alt_id FROM entries e WHERE e.subject_type = q.type AND e.subject_id = q.id AND e.alt_id IS NOT NULL AND e.subject_id IS NOT NULL
                 UNION SELECT e.subject_type, e.subject_id FROM entries e WHERE e.alt_type = q.type AND e.alt_id = q.id AND e.subject_id IS NOT NULL AND e.alt_id IS NOT NULL
               ) AS x`,
  personIds: 'SELECT l.type, l.id, l.person_id FROM unnest($1::text[], $2::text[]) AS q(type, id) JOIN person_links l ON l.type = q.type AND l.id = q.id',
  subjectsOfPersons: 'SELECT type, id, person_id FROM person_links WHERE person_id = ANY($1::text[])',
  entriesOf: `SELECT DISTINCT x.* FROM unnest($1::text[], $2::text[]) AS q(type, id)
             CROSS JOIN LATERAL (
               SELECT ${TRACE_COLUMNS} FROM entries e WHERE e.subject_type = q.type AND e.subject_id = q.id AND e.subject_id IS NOT NULL AND ${AT} BETWEEN $3 AND $4
               UNION ALL
               SELECT ${TRACE_COLUMNS} FROM entries e WHERE e.alt_type = q.type AND e.alt_id = q.id AND e.alt_id IS NOT NULL AND ${AT} BETWEEN $3 AND $4
             ) AS x`,
  entriesOfBlind: `SELECT ${TRACE_COLUMNS} FROM entries WHERE blind_index = ANY($1::text[]) AND blind_index IS NOT NULL AND ${AT} BETWEEN $2 AND $3
           UNION
           SELECT ${TRACE_COLUMNS} FROM entries WHERE blind_alt = ANY($1::text[]) AND blind_alt IS NOT NULL AND ${AT} BETWEEN $2 AND $3`,
  entriesInWindows: `SELECT ${TRACE_COLUMNS} FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(venue, from_ms, to_ms)
             JOIN entries e ON e.venue_id = w.venue AND e.recorded_at BETWEEN w.from_ms AND w.to_ms AND e.corrected_at IS NULL
             UNION ALL
             SELECT ${TRACE_COLUMNS} FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(venue, from_ms, to_ms)
             JOIN entries e ON e.venue_id = w.venue AND e.corrected_at BETWEEN w.from_ms AND w.to_ms`,
  venuesWithExits: `SELECT r.venue_id FROM unnest($1::text[], $2::int[], $3::int[]) AS r(venue_id, from_day, to_day)
             WHERE EXISTS (SELECT 1 FROM entry_day_counts d WHERE d.venue_id = r.venue_id AND d.day BETWEEN r.from_day AND r.to_day AND d.exits > 0)`,
} as const;

/**
 * PostgreSQL side of TracingStore: identifiers travel as arrays (one round trip per question). The
 * trace statements are named (prepared once per connection): each reaches every day partition, and
 * planning them again on every call cost about as much as running them.
 */
export class PostgresTracing implements TracingStore {
  private readonly db: PgRunner;
  private readonly now: () => number;

  constructor(db: PgRunner, now: () => number) {
    this.db = db;
    this.now = now;
  }

  async addToken(t: NewTokenRow): Promise<void> {
    await this.db.tx(async (c) => {
      if (t.venueId !== undefined && (await c.query('SELECT 1 FROM venues WHERE id = $1', [t.venueId])).rowCount === 0) {
        throw new KioskError('not-found', `venue ${t.venueId} does not exist: list venues, then give an existing one to --venue`);
      }
      await c.query('INSERT INTO api_tokens (id, hash, role, venue_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        t.id,
        t.hash,
        t.role,
        t.venueId ?? null,
        t.label ?? null,
        t.createdAt,
      ]);
    });
  }

  async tokenByHash(hash: string): Promise<TokenRow | undefined> {
    const row = await this.db.read(async (c) => (await c.query<TokenDbRow>('SELECT * FROM api_tokens WHERE hash = $1', [hash])).rows[0]);
    return row && tokenOf(row);
  }

  async listTokens(): Promise<TokenRow[]> {
    return this.db.read(async (c) => (await c.query<TokenDbRow>('SELECT * FROM api_tokens ORDER BY created_at, id')).rows.map(tokenOf));
  }

  async revokeToken(id: string): Promise<number> {
    const row = await this.db.tx(
      async (c) => (await c.query<{ revoked_at: number }>('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING revoked_at', [this.now(), id])).rows[0],
    );
    if (!row) throw new KioskError('not-found', `token ${id} does not exist: see kiosk server token list`);
    return row.revoked_at;
  }

  async appendAudit(r: NewAuditRecord): Promise<AuditRecord> {
    const seq = await this.db.tx(
      async (c) =>
        (
          await c.query<{ seq: number }>(
            `INSERT INTO audit_log (at, actor, role, action, subject_hash, from_ms, to_ms, result_count, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
            [r.at, r.actor, r.role, r.action, r.subjectHash, r.fromMs, r.toMs, r.resultCount, JSON.stringify(r.detail)],
          )
        ).rows[0]?.seq ?? 0,
    );
    return { ...r, seq };
  }

  async listAudit(query: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, query.limit ?? 10_000), 100_000);
    return this.db.read(async (c) => (await c.query<AuditDbRow>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [query.afterSeq ?? 0, limit])).rows.map(auditOf));
  }

  async linkIdentities(links: readonly IdentityLink[]): Promise<number> {
    // A later link of an identifier replaces an earlier one; within one call the last one wins.
    const last = [...new Map(links.map((l) => [subjectKeyText(l.subject), l])).values()];
    for (let i = 0; i < last.length; i += 10_000) {
      const chunk = last.slice(i, i + 10_000);
      await this.db.tx((c) =>
        c.query(
          `INSERT INTO person_links (type, id, person_id, source)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (type, id) DO UPDATE SET person_id = excluded.person_id, source = excluded.source`,
          [chunk.map((l) => l.subject.type), chunk.map((l) => l.subject.id), chunk.map((l) => l.personId), chunk.map((l) => l.source)],
        ),
      );
    }
    return links.length;
  }

  async identitiesOf(subjects: readonly Subject[]): Promise<Subject[]> {
    return (await this.identitiesOfEach([subjects]))[0] ?? [];
  }

  async identitiesOfEach(groups: ReadonlyArray<readonly Subject[]>): Promise<Subject[][]> {
    const found = groups.map((subjects) => new Map<string, Subject>(subjects.map((s) => [subjectKeyText(s), s])));
    // Each group's frontier travels with its index, so one statement a round serves every group
    // (an exposure of 50 cases: 3 round trips instead of 150, each probing every day partition).
    let frontier = found.flatMap((m, g) => [...m.values()].map((s) => ({ g, s })));
    // Two rounds reach QID → CCCD (registry) → CMND (QR pair); a person has a handful of identifiers.
    for (let round = 0; round < 3 && frontier.length > 0; round++) {
      const rows = await this.db.read(
        async (c) =>
          (
            await c.query<{ g: number } & Subject>({
              name: 'trace-identities',
              // LATERAL: each identifier is an index probe per day partition however many are asked;
              // a plain join of a few hundred identifiers let the planner hash whole partitions. The
              // registry's person through a scalar subquery (the key is unique): as a self-join, a
              // registry not analysed yet since an import (a million people) was hashed whole, 0.9 s a call.
              text: TRACE_SQL.identities,
              values: [frontier.map((f) => f.g), frontier.map((f) => f.s.type), frontier.map((f) => f.s.id)],
            })
          ).rows,
      );
      const next: Array<{ g: number; s: Subject }> = [];
      for (const { g, type, id } of rows) {
        const group = found[g];
        const key = subjectKeyText({ type, id });
        if (group && !group.has(key)) {
          group.set(key, { type, id });
          next.push({ g, s: { type, id } });
        }
      }
      frontier = next;
    }
    return found.map((m) => [...m.values()]);
  }

  async personIdsOf(subjects: readonly Subject[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (subjects.length === 0) return ids;
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<{ type: Subject['type']; id: string; person_id: string }>({
            name: 'trace-person-ids',
            text: TRACE_SQL.personIds,
            values: [subjects.map((s) => s.type), subjects.map((s) => s.id)],
          })
        ).rows,
    );
    for (const r of rows) ids.set(subjectKeyText({ type: r.type, id: r.id }), r.person_id);
    return ids;
  }

  async subjectsOfPersons(personIds: readonly string[]): Promise<Map<string, Subject[]>> {
    if (personIds.length === 0) return new Map();
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<{ type: Subject['type']; id: string; person_id: string }>({
            name: 'trace-subjects-of-persons',
            // = ANY of an array: index probes however many people; a join on the unnested list was
            // planned as a hash join over the whole registry (a million people: 465 ms).
            text: TRACE_SQL.subjectsOfPersons,
            values: [personIds],
          })
        ).rows,
    );
    return subjectsByPerson(rows);
  }

  async entriesOf(keys: TraceKeys, fromMs: number, toMs: number): Promise<TraceEntry[]> {
    const rows = await this.db.read(async (c) => {
      if (keys.kind === 'subjects') {
        const params = [keys.subjects.map((s) => s.type), keys.subjects.map((s) => s.id), fromMs, toMs];
        return (
          await c.query<TraceDbRow>({
            name: 'trace-entries-of',
            // LATERAL for the same reason as identitiesOfEach: an exposure asks for every case at once.
            text: TRACE_SQL.entriesOf,
            values: params,
          })
        ).rows;
      }
      return (
        await c.query<TraceDbRow>({
          name: 'trace-entries-of-blind',
          text: TRACE_SQL.entriesOfBlind,
          values: [keys.indexes, fromMs, toMs],
        })
      ).rows;
    });
    return rows.map(traceEntryOf).sort((a, b) => a.at - b.at || a.entryId.localeCompare(b.entryId));
  }

  async entriesInWindows(windows: readonly VenueWindow[]): Promise<TraceEntry[]> {
    if (windows.length === 0) return [];
    // One statement. The effective time is not the partition key, so a window on it probes every day
    // partition (4.5 ms a window at 5 million entries). Entries of a synchronised clock (corrected_at
    // NULL) are found by recorded_at instead, which prunes to the window's one or two partitions at
    // run time; re-timed entries, few, through the partial index on corrected_at.
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<TraceDbRow>({
            name: 'trace-entries-in-windows',
            text: TRACE_SQL.entriesInWindows,
            values: [windows.map((w) => w.venueId), windows.map((w) => w.fromMs), windows.map((w) => w.toMs)],
          })
        ).rows,
    );
    return rows.map(traceEntryOf);
  }

  async venuesWithExits(ranges: readonly VenueWindow[]): Promise<Set<string>> {
    if (ranges.length === 0) return new Set();
    const rows = await this.db.read(
      async (c) =>
        (
          await c.query<{ venue_id: string }>({
            name: 'trace-venues-with-exits',
            text: TRACE_SQL.venuesWithExits,
            values: [ranges.map((r) => r.venueId), ranges.map((r) => vnDayOf(r.fromMs)), ranges.map((r) => vnDayOf(r.toMs))],
          })
        ).rows,
    );
    return new Set(rows.map((r) => r.venue_id));
  }
}

/** The Vietnam day (days since the epoch at UTC+7) as the roll-up numbers it. */
const vnDayOf = (ms: number): number => Math.floor((ms + 7 * 3600_000) / 86_400_000);
