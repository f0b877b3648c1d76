import { subjectKeyText } from '../../common/subject-id.ts';
import type { Subject, VenueKind } from '../../common/wire.ts';
import type { Venue } from '../../server/store/store.ts';
import type { TraceEntry, TraceKeys, TracingStore } from '../../server/store/tracing.ts';

/** Scans and an in-memory store for the tracing rules' tests (no database). */
export const T0 = Date.UTC(2021, 8, 1, 1, 0); // 08:00 in Vietnam
export const min = (n: number) => n * 60_000;

let n = 0;
export function scan(venueId: string, atMin: number, subject: Subject | null, extra: Partial<TraceEntry> = {}): TraceEntry {
  n += 1;
  return { entryId: `e${String(n).padStart(4, '0')}`, venueId, at: T0 + min(atMin), direction: 'in', subject, altSubject: null, sealedSubject: null, blindIndex: null, blindAlt: null, ...extra };
}

/** An in-memory TracingStore: the rules are tested without a database. */
export function fakeStore(entries: TraceEntry[], venues: Record<string, VenueKind>, links: Array<[string, Subject]> = []) {
  const matches = (e: TraceEntry, keys: TraceKeys) =>
    keys.kind === 'subjects'
      ? keys.subjects.some((s) => [e.subject, e.altSubject].some((x) => x && subjectKeyText(x) === subjectKeyText(s)))
      : keys.indexes.some((b) => b === e.blindIndex || b === e.blindAlt);
  const tracing: Pick<TracingStore, 'entriesOf' | 'entriesInWindows' | 'venuesWithExits' | 'identitiesOf' | 'identitiesOfEach' | 'personIdsOf' | 'subjectsOfPersons'> = {
    async entriesOf(keys, fromMs, toMs) {
      return entries.filter((e) => matches(e, keys) && e.at >= fromMs && e.at <= toMs);
    },
    async entriesInWindows(windows) {
      return entries.filter((e) => windows.some((w) => e.venueId === w.venueId && e.at >= w.fromMs && e.at <= w.toMs));
    },
    // Exactly the exits in the range (the engines' roll-up answers by whole days, a superset).
    async venuesWithExits(ranges) {
      return new Set(ranges.filter((r) => entries.some((e) => e.venueId === r.venueId && e.direction === 'out' && e.at >= r.fromMs && e.at <= r.toMs)).map((r) => r.venueId));
    },
    async identitiesOf(subjects) {
      const out = new Map(subjects.map((s) => [subjectKeyText(s), s]));
      for (const s of subjects) {
        const person = links.find(([, l]) => subjectKeyText(l) === subjectKeyText(s))?.[0];
        for (const [p, l] of links) if (p === person) out.set(subjectKeyText(l), l);
        for (const e of entries) {
          if (e.subject && e.altSubject && subjectKeyText(e.subject) === subjectKeyText(s)) out.set(subjectKeyText(e.altSubject), e.altSubject);
          if (e.subject && e.altSubject && subjectKeyText(e.altSubject) === subjectKeyText(s)) out.set(subjectKeyText(e.subject), e.subject);
        }
      }
      return [...out.values()];
    },
    async identitiesOfEach(groups) {
      return Promise.all(groups.map((g) => tracing.identitiesOf(g)));
    },
    async personIdsOf(subjects) {
      const ids = new Map<string, string>();
      for (const s of subjects) for (const [p, l] of links) if (subjectKeyText(l) === subjectKeyText(s)) ids.set(subjectKeyText(s), p);
      return ids;
    },
    async subjectsOfPersons(personIds) {
      const byPerson = new Map<string, Subject[]>();
      for (const [p, l] of links) if (personIds.includes(p)) byPerson.set(p, [...(byPerson.get(p) ?? []), l]);
      return byPerson;
    },
  };
  return {
    tracing: tracing as TracingStore,
    async venue(id: string): Promise<Venue | undefined> {
      const kind = venues[id];
      return kind && { id, name: `Địa điểm ${id}`, kind };
    },
  };
}

