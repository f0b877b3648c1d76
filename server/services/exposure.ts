import { KioskError } from '../../common/errors.ts';
import { parseSubjectText, subjectKeyText } from '../../common/subject-id.ts';
import type { Subject, VenueKind } from '../../common/wire.ts';
import type { ServerStore, Venue } from '../store/store.ts';
import type { TraceEntry } from '../store/tracing.ts';
import { DEFAULT_DWELL_MIN, DEFAULT_MAX_STAY_MS, dwellMsOf, firstKeyOf, identityUnion, overlapMs, presencesOf, subjectsSeen, widen, windowsAroundVisits, type DwellTable, type Presence } from './presence.ts';
import { BOM, safeCell, vnTime } from './trace-csv.ts';
import { stringify } from 'csv-stringify/sync';

/**
 * Outbreak venues ("khoanh vùng"): for a list of cases, the venues they visited, ranked by how many
 * people were there with a case (exposed), with the first and last case visit and how many of the
 * exposed were cases themselves: the list a health department uses to decide what to close or test.
 */

export const MAX_CASES = 100_000;
/** Problems listed in one error: enough to fix a file in one go, short enough to read. */
const MAX_PROBLEMS = 20;

/**
 * Reads a cases list: one `TYPE:ID` per line; blank lines and lines starting with # are skipped;
 * a repeated case counts once. `where(i)` names a line for the error (file line or array index).
 */
export function parseCases(lines: readonly string[], where: (i: number) => string): Subject[] {
  if (lines.length > MAX_CASES + 1) throw new KioskError('bad-request', `cases: ${lines.length} lines; at most ${MAX_CASES} cases per query (split the list)`);
  const problems: string[] = [];
  const cases = new Map<string, Subject>();
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.length > 200) {
      if (problems.length < MAX_PROBLEMS) problems.push(`${where(i)}: longer than 200 characters`);
      return;
    }
    const s = parseSubjectText(line.split(/[,;\t]/)[0] ?? '');
    if (!s.ok) {
      if (problems.length < MAX_PROBLEMS) problems.push(`${where(i)}: ${s.problem}`);
      return;
    }
    cases.set(subjectKeyText(s.subject), s.subject);
  });
  if (problems.length) throw new KioskError('bad-request', `cases: ${problems.join('; ')}${problems.length === MAX_PROBLEMS ? '; …' : ''}`);
  if (cases.size === 0) throw new KioskError('bad-request', 'cases: no case in the list (one TYPE:ID per line, e.g. cccd:079303001234)');
  if (cases.size > MAX_CASES) throw new KioskError('bad-request', `cases: ${cases.size} cases; at most ${MAX_CASES} per query`);
  return [...cases.values()];
}

export interface ExposureVenue {
  venueId: string;
  venueName: string;
  venueKind: VenueKind;
  /** Distinct cases who visited in the window. */
  cases: number;
  /** Distinct people whose presence overlapped another person's case visit (margin included). */
  exposed: number;
  /** How many of the exposed were on the case list themselves. */
  exposedCases: number;
  firstCaseVisit: string;
  lastCaseVisit: string;
}

export interface ExposureResult {
  window: { from: string; to: string };
  marginMin: number;
  cases: number;
  /** Cases with at least one visit in the window. */
  casesWithVisits: number;
  venues: ExposureVenue[];
}

type ExposureStore = Pick<ServerStore, 'venue' | 'tracing'>;

export async function exposure(
  store: ExposureStore,
  cases: readonly Subject[],
  window: { fromMs: number; toMs: number; marginMs: number },
  options: { dwell?: DwellTable; maxStayMs?: number } = {},
): Promise<ExposureResult> {
  const dwell = options.dwell ?? DEFAULT_DWELL_MIN;
  const maxStayMs = options.maxStayMs ?? DEFAULT_MAX_STAY_MS;
  const venues = new Map<string, Venue>();
  const venueOf = async (id: string): Promise<Venue> => {
    let v = venues.get(id);
    if (!v) venues.set(id, (v = (await store.venue(id)) ?? { id, name: id, kind: 'other' }));
    return v;
  };
  // Every identifier of every case → the case's index; then each case's visits per venue. All cases
  // in one question each (identifiers, then entries): a round trip per case was most of an exposure.
  const casesOfKey = new Map<string, number[]>();
  const idsOfCase = await store.tracing.identitiesOfEach(cases.map((c) => [c]));
  for (const [caseIndex, ids] of idsOfCase.entries()) {
    for (const s of ids) {
      const key = subjectKeyText(s);
      const list = casesOfKey.get(key);
      if (list) list.push(caseIndex);
      else casesOfKey.set(key, [caseIndex]);
    }
  }
  const allIds = [...new Map(idsOfCase.flat().map((s) => [subjectKeyText(s), s])).values()];
  const entriesOfCase: TraceEntry[][] = cases.map(() => []);
  for (const e of await store.tracing.entriesOf({ kind: 'subjects', subjects: allIds }, window.fromMs, window.toMs)) {
    // An entry is every case's whose identifiers it carries (a person listed twice counts twice, as before).
    const owners = new Set([...(e.subject ? (casesOfKey.get(subjectKeyText(e.subject)) ?? []) : []), ...(e.altSubject ? (casesOfKey.get(subjectKeyText(e.altSubject)) ?? []) : [])]);
    for (const c of owners) entriesOfCase[c]?.push(e);
  }
  const visitsByVenue = new Map<string, Array<{ caseIndex: number; visit: Presence }>>();
  let casesWithVisits = 0;
  for (const [caseIndex, entries] of entriesOfCase.entries()) {
    if (entries.length) casesWithVisits += 1;
    const byVenue = new Map<string, TraceEntry[]>();
    for (const e of entries) {
      const list = byVenue.get(e.venueId);
      if (list) list.push(e);
      else byVenue.set(e.venueId, [e]);
    }
    for (const [venueId, list] of byVenue) {
      const venue = await venueOf(venueId);
      const visits = presencesOf(list, () => 'case', dwellMsOf(venue.kind, dwell), maxStayMs);
      const slot = visitsByVenue.get(venueId) ?? [];
      for (const visit of visits) slot.push({ caseIndex, visit });
      visitsByVenue.set(venueId, slot);
    }
  }
  // Where the time went (docs/benchmarks.md): one query per venue over the whole span from its first
  // to its last case visit with a 12-hour reach, and every entry of that span turned into presences.
  // Only entries within reach of some case visit can make an exposure, and the 12-hour reach is
  // needed only where an exit scan may close a presence late: a venue without exit scans around the
  // case visits (from the daily roll-up) needs the dwell time alone. So each venue reads the merged
  // windows around its case visits, all venues in one round trip.
  const plans: Array<{ venueId: string; venue: Venue; dwellMs: number; caseVisits: Array<{ caseIndex: number; visit: Presence }>; visits: Presence[] }> = [];
  for (const [venueId, caseVisits] of visitsByVenue) {
    const venue = await venueOf(venueId);
    plans.push({ venueId, venue, dwellMs: dwellMsOf(venue.kind, dwell), caseVisits, visits: caseVisits.map((v) => v.visit) });
  }
  const windows = await windowsAroundVisits(store.tracing, plans, window.marginMs, maxStayMs);
  const entriesByVenue = new Map<string, TraceEntry[]>();
  for (const e of await store.tracing.entriesInWindows(windows)) {
    const list = entriesByVenue.get(e.venueId);
    if (list) list.push(e);
    else entriesByVenue.set(e.venueId, [e]);
  }
  // The person registry for every identifier seen at any of the venues, in one question.
  const personIds = await store.tracing.personIdsOf([...subjectsSeen([...entriesByVenue.values()].flat()).values()]);
  const rows: ExposureVenue[] = [];
  for (const { venueId, venue, dwellMs, caseVisits } of plans) {
    const first = Math.min(...caseVisits.map((v) => v.visit.from));
    const last = Math.max(...caseVisits.map((v) => v.visit.from));
    const entries = (entriesByVenue.get(venueId) ?? []).sort((a, b) => a.at - b.at || a.entryId.localeCompare(b.entryId));
    const union = identityUnion(entries, personIds);
    const plain = subjectsSeen(entries).keys();
    // The case a person is, if any: through any identifier of theirs at this venue.
    const caseOfPerson = new Map<string, number>();
    for (const key of plain) {
      // An identifier on two case lines is taken as the later one, as the case of this person.
      const c = casesOfKey.get(key)?.at(-1);
      if (c !== undefined) caseOfPerson.set(union.find(key), c);
    }
    const keyOf = (e: TraceEntry): string | undefined => {
      const k = firstKeyOf(e);
      return k === undefined ? undefined : union.find(k);
    };
    const exposed = new Set<string>();
    // Widened once per venue, not once per presence and visit: a busy venue has thousands of presences.
    const widened = caseVisits.map((cv) => ({ caseIndex: cv.caseIndex, ...widen(cv.visit, window.marginMs) }));
    for (const p of presencesOf(entries, keyOf, dwellMs, maxStayMs)) {
      if (exposed.has(p.key)) continue;
      const own = caseOfPerson.get(p.key);
      if (widened.some((cv) => cv.caseIndex !== own && overlapMs(p, cv) > 0)) exposed.add(p.key);
    }
    rows.push({
      venueId,
      venueName: venue.name,
      venueKind: venue.kind,
      cases: new Set(caseVisits.map((v) => v.caseIndex)).size,
      exposed: exposed.size,
      exposedCases: [...exposed].filter((k) => caseOfPerson.has(k)).length,
      firstCaseVisit: new Date(first).toISOString(),
      lastCaseVisit: new Date(last).toISOString(),
    });
  }
  rows.sort((a, b) => b.exposed - a.exposed || b.cases - a.cases || a.firstCaseVisit.localeCompare(b.firstCaseVisit) || a.venueId.localeCompare(b.venueId));
  return {
    window: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() },
    marginMin: window.marginMs / 60_000,
    cases: cases.length,
    casesWithVisits,
    venues: rows,
  };
}

export const EXPOSURE_CSV_HEADERS = ['Mã địa điểm', 'Tên địa điểm', 'Loại địa điểm', 'Số ca bệnh đến', 'Số người phơi nhiễm', 'Trong đó là ca bệnh', 'Ca bệnh đến lần đầu (giờ VN)', 'Ca bệnh đến lần cuối (giờ VN)'];

export function exposureCsv(r: ExposureResult): string {
  const rows = r.venues.map((v) => [safeCell(v.venueId), safeCell(v.venueName), v.venueKind, v.cases, v.exposed, v.exposedCases, vnTime(v.firstCaseVisit), vnTime(v.lastCaseVisit)]);
  return BOM + stringify([EXPOSURE_CSV_HEADERS, ...rows], { record_delimiter: 'windows' });
}

