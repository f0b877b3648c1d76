import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { parseSubjectText, subjectKeyText } from '../../common/subject-id.ts';
import { VENUE_KINDS, type Subject, type SubjectType, type VenueKind } from '../../common/wire.ts';
import type { ServerStore, Venue } from '../store/store.ts';
import type { TraceEntry, TraceKeys } from '../store/tracing.ts';
import { DEFAULT_DWELL_MIN, DEFAULT_MAX_STAY_MS, blindKey, dwellMsOf, firstKeyOf, identityUnion, overlapMs, presencesOf, subjectsSeen, widen, windowsAroundVisits, type DwellTable, type Presence } from './presence.ts';

/**
 * Contacts of a case ("truy vết"): the case's visits in a window, and everyone else whose presence
 * at the same venue overlaps a visit widened by a margin (F1); with depth 2 the contacts of those
 * contacts (F2). Rules only: the store answers "entries of these identifiers" and "entries at this
 * venue in this interval"; everything else (presences, overlaps, identities, degrees) is here.
 */

export const DEFAULT_MARGIN_MIN = 30;
export const MAX_MARGIN_MIN = 24 * 60;
/** F1s whose own contacts a depth-2 trace follows; past this the answer says `truncated`. */
export const MAX_F1_FOLLOWED = 500;
export const DEFAULT_RETENTION_DAYS = 21;

export type Degree = 'F1' | 'F2';

export interface TraceQuery {
  keys: TraceKeys;
  /** The case as asked for (plain traces); null when traced by blind index. */
  subject: Subject | null;
  fromMs: number;
  toMs: number;
  marginMs: number;
  depth: 1 | 2;
}

export interface TraceOptions {
  dwell?: DwellTable;
  maxStayMs?: number;
}

export interface TraceVisit {
  venueId: string;
  venueName: string;
  venueKind: VenueKind;
  from: string;
  to: string;
  /** True when an exit scan ended the visit; false when the venue kind's dwell time did. */
  exitSeen: boolean;
}

export interface TraceContact {
  /** Null only for a sealed subject the server cannot read (then `sealed` says what to open). */
  subject: Subject | null;
  venueId: string;
  venueName: string;
  /** When the contact's presence at the venue began. */
  at: string;
  /** How long the contact's presence overlapped the case's visits widened by the margin. */
  overlapMs: number;
  degree: Degree;
  sealed?: { entryId: string; sealedSubject: string };
}

export interface TraceResult {
  subject: Subject | null;
  /** Identifiers of the case followed (CCCD, old CMND, QID, …). */
  identifiers: number;
  window: { from: string; to: string };
  marginMin: number;
  depth: 1 | 2;
  visits: TraceVisit[];
  contacts: TraceContact[];
  /** Set when a depth-2 trace followed only the first MAX_F1_FOLLOWED contacts. */
  truncated?: boolean;
}

// --- parsing what an official typed --------------------------------------------------------

const rawTraceSchema = z.object({
  subject: z.string().max(200).optional(),
  blind: z.string().max(20_000).optional(),
  from: z.string().max(40),
  to: z.string().max(40),
  marginMin: z.string().max(10).optional(),
  depth: z.string().max(2).optional(),
});
export type RawTraceParams = z.input<typeof rawTraceSchema>;

const bad = (field: string, problem: string): KioskError => new KioskError('bad-request', `${field}: ${problem}`);

/** An ISO time with at least a date; a bare date is that day's start in Vietnam. */
export function parseIsoTime(field: string, text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    throw bad(field, `"${text.slice(0, 40)}" is not an ISO date or time (e.g. 2021-09-01 or 2021-09-01T08:00+07:00)`);
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00+07:00` : hasZone ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}+07:00`);
  if (!Number.isFinite(ms)) throw bad(field, `"${text.slice(0, 40)}" is not a real date`);
  return ms;
}

export function parseWindow(from: string, to: string, retentionDays: number): { fromMs: number; toMs: number } {
  const fromMs = parseIsoTime('from', from);
  const toMs = parseIsoTime('to', to);
  if (fromMs >= toMs) throw bad('from', 'must be before to');
  if (toMs - fromMs > retentionDays * 86_400_000) throw bad('to', `the window is longer than the ${retentionDays}-day retention: entries older than that are deleted`);
  return { fromMs, toMs };
}

/** The query behind `kiosk server trace` and `GET /v1/trace`: every field checked, errors name it. */
export function parseTraceParams(raw: unknown, retentionDays = DEFAULT_RETENTION_DAYS): TraceQuery {
  const parsed = rawTraceSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'query');
    throw bad(field === 'marginMin' ? 'margin' : field, issue?.code === 'too_big' ? 'too long' : (issue?.message ?? 'invalid'));
  }
  const p = parsed.data;
  const { fromMs, toMs } = parseWindow(p.from, p.to, retentionDays);
  const marginMin = p.marginMin === undefined ? DEFAULT_MARGIN_MIN : Number(p.marginMin);
  if (!/^\d{1,4}$/.test(p.marginMin ?? '0') || marginMin > MAX_MARGIN_MIN) throw bad('margin', `minutes 0-${MAX_MARGIN_MIN}`);
  if (p.depth !== undefined && p.depth !== '1' && p.depth !== '2') throw bad('depth', '1 (contacts) or 2 (contacts of contacts)');
  const depth = p.depth === '2' ? 2 : 1;
  if ((p.subject === undefined) === (p.blind === undefined)) throw bad('subject', 'give exactly one of subject=TYPE:ID or blind=INDEX,… (sealed subjects)');
  if (p.subject !== undefined) {
    const s = parseSubjectText(p.subject);
    if (!s.ok) throw bad('subject', s.problem);
    return { keys: { kind: 'subjects', subjects: [s.subject] }, subject: s.subject, fromMs, toMs, marginMs: marginMin * 60_000, depth };
  }
  const indexes = (p.blind ?? '').split(',');
  if (indexes.length > 400 || indexes.some((b) => !/^[A-Za-z0-9_-]{22}$/.test(b))) throw bad('blind', 'a comma-separated list of at most 400 blind indexes (22 base64url characters each)');
  if (depth === 2) throw bad('depth', 'depth 2 with sealed subjects is done by kiosk authority trace, which opens the F1 contacts first');
  return { keys: { kind: 'blind', indexes }, subject: null, fromMs, toMs, marginMs: marginMin * 60_000, depth };
}

/** `kind=minutes,kind=minutes` overrides of the dwell table. */
export function parseDwell(text: string | undefined): DwellTable {
  const table: Record<VenueKind, number> = { ...DEFAULT_DWELL_MIN };
  if (text === undefined) return table;
  for (const part of text.split(',')) {
    const m = /^([a-z-]+)=(\d{1,4})$/.exec(part.trim());
    if (!m || !(VENUE_KINDS as readonly string[]).includes(m[1] as string) || Number(m[2]) < 1) {
      throw bad('dwell', `"${part.slice(0, 40)}" is not kind=minutes with a kind of ${VENUE_KINDS.join(', ')}`);
    }
    table[m[1] as VenueKind] = Number(m[2]);
  }
  return table;
}

// --- the trace -----------------------------------------------------------------------------

const PREFERRED: readonly SubjectType[] = ['cccd', 'cmnd', 'passport', 'qid', 'bhyt', 'dcc', 'other'];

/** The identifier to show for a person: the CCCD when known, then the old CMND, and so on. */
export function canonicalSubject(subjects: Iterable<Subject>): Subject | null {
  let best: Subject | null = null;
  for (const s of subjects) {
    if (!best || PREFERRED.indexOf(s.type) < PREFERRED.indexOf(best.type) || (s.type === best.type && s.id < best.id)) best = s;
  }
  return best;
}

/** Does this entry belong to one of the people in `keys`? */
export function matchesKeys(e: TraceEntry, keys: ReadonlySet<string>): boolean {
  if (e.subject && keys.has(subjectKeyText(e.subject))) return true;
  if (e.altSubject && keys.has(subjectKeyText(e.altSubject))) return true;
  if (e.blindIndex && keys.has(blindKey(e.blindIndex))) return true;
  return e.blindAlt !== null && keys.has(blindKey(e.blindAlt));
}

export const keySetOf = (keys: TraceKeys): Set<string> =>
  new Set(keys.kind === 'subjects' ? keys.subjects.map(subjectKeyText) : keys.indexes.map(blindKey));

interface Found {
  key: string;
  venueId: string;
  at: number;
  overlapMs: number;
  members: Map<string, Subject>;
  entry: TraceEntry;
}

type TraceStore = Pick<ServerStore, 'venue' | 'tracing'>;

class Tracer {
  private readonly venues = new Map<string, Venue>();
  private readonly dwell: DwellTable;
  private readonly maxStayMs: number;
  private readonly store: TraceStore;
  constructor(store: TraceStore, options: TraceOptions) {
    this.store = store;
    this.dwell = options.dwell ?? DEFAULT_DWELL_MIN;
    this.maxStayMs = options.maxStayMs ?? DEFAULT_MAX_STAY_MS;
  }

  async venue(id: string): Promise<Venue> {
    let v = this.venues.get(id);
    if (!v) {
      // An entry names a venue that was since removed: still a place, shown by its id.
      v = (await this.store.venue(id)) ?? { id, name: id, kind: 'other' };
      this.venues.set(id, v);
    }
    return v;
  }

  /** The person's visits: their scans in the window, as presences per venue. */
  async visitsOf(keys: TraceKeys, fromMs: number, toMs: number): Promise<Presence[]> {
    const entries = await this.store.tracing.entriesOf(keys, fromMs, toMs);
    const byVenue = groupBy(entries, (e) => e.venueId);
    const visits: Presence[] = [];
    for (const [venueId, list] of byVenue) {
      const venue = await this.venue(venueId);
      visits.push(...presencesOf(list, () => 'case', dwellMsOf(venue.kind, this.dwell), this.maxStayMs));
    }
    return visits.sort((a, b) => a.from - b.from);
  }

  /**
   * Everyone else at the venues of `visits` whose presence overlaps a visit widened by the margin.
   * Reads only the windows around the visits (windowsAroundVisits, as exposure does), all venues in
   * one round trip.
   */
  async contactsOf(visits: readonly Presence[], marginMs: number, excluded: ReadonlySet<string>): Promise<Found[]> {
    const plans: Array<{ venueId: string; dwellMs: number; visits: Presence[] }> = [];
    for (const [venueId, venueVisits] of groupBy(visits, (v) => v.venueId)) {
      plans.push({ venueId, dwellMs: dwellMsOf((await this.venue(venueId)).kind, this.dwell), visits: venueVisits });
    }
    if (plans.length === 0) return [];
    const windows = await windowsAroundVisits(this.store.tracing, plans, marginMs, this.maxStayMs);
    const read = (await this.store.tracing.entriesInWindows(windows)).filter((e) => !matchesKeys(e, excluded));
    // The person registry for everyone seen at any of the venues, in one question.
    const personIdOf = await this.store.tracing.personIdsOf([...subjectsSeen(read).values()]);
    const byVenue = groupBy(read, (e) => e.venueId);
    const venues: Array<{ plan: (typeof plans)[number]; entries: TraceEntry[]; keyOf: (e: TraceEntry) => string | undefined; members: Map<string, Map<string, Subject>> }> = [];
    for (const plan of plans) {
      const entries = (byVenue.get(plan.venueId) ?? []).sort((a, b) => a.at - b.at || a.entryId.localeCompare(b.entryId));
      const union = identityUnion(entries, personIdOf);
      const keyOf = (e: TraceEntry): string | undefined => {
        const k = firstKeyOf(e);
        return k === undefined ? undefined : union.find(k);
      };
      const members = new Map<string, Map<string, Subject>>();
      for (const e of entries) {
        const k = keyOf(e);
        if (k === undefined) continue;
        let m = members.get(k);
        if (!m) members.set(k, (m = new Map<string, Subject>()));
        if (e.subject) m.set(subjectKeyText(e.subject), e.subject);
        if (e.altSubject) m.set(subjectKeyText(e.altSubject), e.altSubject);
      }
      venues.push({ plan, entries, keyOf, members });
    }
    await this.addRegisteredCccds(venues.flatMap((v) => [...v.members.values()]), personIdOf);
    const found: Found[] = [];
    for (const { plan, entries, keyOf, members } of venues) {
      // Widened once per venue, not once per presence and visit: a busy venue has thousands of presences.
      const widened = plan.visits.map((v) => widen(v, marginMs));
      const perPerson = new Map<string, Found>();
      for (const p of presencesOf(entries, keyOf, plan.dwellMs, this.maxStayMs)) {
        let shared = 0;
        for (const w of widened) shared = Math.max(shared, overlapMs(p, w));
        if (shared <= 0) continue;
        const f = perPerson.get(p.key);
        if (f) {
          f.overlapMs += shared;
          if (p.from < f.at) f.at = p.from;
        } else {
          perPerson.set(p.key, { key: p.key, venueId: plan.venueId, at: p.from, overlapMs: shared, members: members.get(p.key) ?? new Map<string, Subject>(), entry: p.entry });
        }
      }
      found.push(...perPerson.values());
    }
    return found;
  }

  /**
   * A contact is named by their most useful identifier, a CCCD before a QID: a person who showed
   * only a PC-COVID QR within the windows read gets the identifiers the person registry holds
   * (one question for all of them; most people showed their CCCD and need none).
   */
  private async addRegisteredCccds(people: ReadonlyArray<Map<string, Subject>>, personIdOf: ReadonlyMap<string, string>): Promise<void> {
    const wanting = new Map<Map<string, Subject>, string>();
    for (const members of people) {
      if ([...members.values()].some((s) => s.type === 'cccd')) continue;
      for (const key of members.keys()) {
        const person = personIdOf.get(key);
        if (person !== undefined) {
          wanting.set(members, person);
          break;
        }
      }
    }
    if (wanting.size === 0) return;
    const registered = await this.store.tracing.subjectsOfPersons([...new Set(wanting.values())]);
    for (const [members, person] of wanting) for (const s of registered.get(person) ?? []) members.set(subjectKeyText(s), s);
  }

  async contactView(f: Found, degree: Degree): Promise<TraceContact> {
    const subject = canonicalSubject(f.members.values());
    const venue = await this.venue(f.venueId);
    return {
      subject,
      venueId: f.venueId,
      venueName: venue.name,
      at: new Date(f.at).toISOString(),
      overlapMs: f.overlapMs,
      degree,
      ...(subject === null && f.entry.sealedSubject ? { sealed: { entryId: f.entry.entryId, sealedSubject: f.entry.sealedSubject } } : {}),
    };
  }
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(item);
  }
  return groups;
}

/** Runs a trace. The case itself never appears among its contacts, nor does an F1 among the F2s. */
export async function traceCase(store: TraceStore, query: TraceQuery, options: TraceOptions = {}): Promise<TraceResult> {
  const tracer = new Tracer(store, options);
  const keys: TraceKeys = query.keys.kind === 'subjects' ? { kind: 'subjects', subjects: await store.tracing.identitiesOf(query.keys.subjects) } : query.keys;
  const caseKeys = keySetOf(keys);
  const visits = await tracer.visitsOf(keys, query.fromMs, query.toMs);
  const f1 = await tracer.contactsOf(visits, query.marginMs, caseKeys);
  const contacts: TraceContact[] = [];
  for (const f of f1) contacts.push(await tracer.contactView(f, 'F1'));
  let truncated = false;
  if (query.depth === 2) {
    // Everyone already found (the case and every F1 identifier) is excluded from the F2s.
    const known = new Set(caseKeys);
    for (const f of f1) for (const k of f.members.keys()) known.add(k);
    const seenF2 = new Map<string, { found: Found }>();
    const people = mergePeople(f1);
    truncated = people.length > MAX_F1_FOLLOWED;
    const followed = people.slice(0, MAX_F1_FOLLOWED);
    // Every identifier of every F1 in one question, all of them excluded before any F2 is looked
    // for: an F1 scanned elsewhere under another identifier (a QID at one venue, the CCCD at the
    // next) is still the F1, never also an F2.
    const idsOfFollowed = await store.tracing.identitiesOfEach(followed.map((p) => [...p.members.values()]));
    for (const ids of idsOfFollowed) for (const s of ids) known.add(subjectKeyText(s));
    for (const [i, person] of followed.entries()) {
      const ids = idsOfFollowed[i] ?? [];
      const personVisits = await tracer.visitsOf({ kind: 'subjects', subjects: ids }, Math.max(query.fromMs, person.at - query.marginMs), query.toMs);
      for (const f of await tracer.contactsOf(personVisits, query.marginMs, known)) {
        const id = `${f.venueId}\n${canonicalKey(f)}`;
        const seen = seenF2.get(id);
        if (!seen) seenF2.set(id, { found: f });
        else seen.found.overlapMs = Math.max(seen.found.overlapMs, f.overlapMs);
      }
    }
    for (const { found } of seenF2.values()) contacts.push(await tracer.contactView(found, 'F2'));
  }
  contacts.sort((a, b) => a.degree.localeCompare(b.degree) || a.at.localeCompare(b.at) || a.venueId.localeCompare(b.venueId));
  const visitViews: TraceVisit[] = [];
  for (const v of visits) {
    const venue = await tracer.venue(v.venueId);
    visitViews.push({ venueId: v.venueId, venueName: venue.name, venueKind: venue.kind, from: new Date(v.from).toISOString(), to: new Date(v.to).toISOString(), exitSeen: v.exitSeen });
  }
  return {
    subject: query.subject,
    identifiers: caseKeys.size,
    window: { from: new Date(query.fromMs).toISOString(), to: new Date(query.toMs).toISOString() },
    marginMin: query.marginMs / 60_000,
    depth: query.depth,
    visits: visitViews,
    contacts,
    ...(truncated ? { truncated } : {}),
  };
}

const canonicalKey = (f: Found): string => {
  const s = canonicalSubject(f.members.values());
  return s ? subjectKeyText(s) : f.key;
};

/** F1 contacts found at several venues are one person to follow, from their earliest contact. */
function mergePeople(found: readonly Found[]): Array<{ at: number; members: Map<string, Subject> }> {
  const people = new Map<string, { at: number; members: Map<string, Subject> }>();
  for (const f of found) {
    if (f.members.size === 0) continue; // sealed: only the authority can follow it
    const key = canonicalKey(f);
    const p = people.get(key);
    if (!p) people.set(key, { at: f.at, members: new Map(f.members) });
    else {
      p.at = Math.min(p.at, f.at);
      for (const [k, s] of f.members) p.members.set(k, s);
    }
  }
  return [...people.values()].sort((a, b) => a.at - b.at);
}
