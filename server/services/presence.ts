import { subjectKeyText } from '../../common/subject-id.ts';
import type { Subject, VenueKind } from '../../common/wire.ts';
import type { TraceEntry, TracingStore, VenueWindow } from '../store/tracing.ts';

/**
 * How long someone is taken to stay at a venue when only their entry scan is known (most venues
 * have no exit kiosk), per venue kind. Figures from how long a visit of each kind usually lasts;
 * docs/tracing.md gives the reasoning, and `kiosk server trace --dwell kind=minutes` overrides one.
 */
export const DEFAULT_DWELL_MIN: Readonly<Record<VenueKind, number>> = {
  hospital: 120,
  'bus-station': 60,
  school: 360,
  factory: 480,
  market: 60,
  office: 480,
  supermarket: 45,
  government: 60,
  other: 60,
};

/** An exit scan further than this after the entry closes nothing: the person forgot to scan out. */
export const DEFAULT_MAX_STAY_MS = 12 * 3600_000;

export type DwellTable = Readonly<Record<VenueKind, number>>;

export const dwellMsOf = (kind: VenueKind, table: DwellTable = DEFAULT_DWELL_MIN): number => table[kind] * 60_000;

/** One person's time at one venue, from an entry scan (and its exit scan, when there was one). */
export interface Presence {
  key: string;
  venueId: string;
  from: number;
  to: number;
  /** True when an exit scan closed it; false when the dwell time did. */
  exitSeen: boolean;
  /** The scan that opened it (or the exit scan of an exit-only presence). */
  entry: TraceEntry;
}

/**
 * Turns one venue's scans into presences per person. An entry is closed by the same person's next
 * exit within `maxStayMs`, else it lasts the dwell time (cut short by the person's next entry: they
 * must have left before coming in again). An exit without an entry stands for the dwell time before it.
 * Entries whose `keyOf` is undefined (unreadable scans) make no presence.
 */
export function presencesOf(entries: readonly TraceEntry[], keyOf: (e: TraceEntry) => string | undefined, dwellMs: number, maxStayMs = DEFAULT_MAX_STAY_MS): Presence[] {
  const byKey = new Map<string, TraceEntry[]>();
  for (const e of entries) {
    const key = keyOf(e);
    if (key === undefined) continue;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(e);
  }
  const out: Presence[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.at - b.at || a.entryId.localeCompare(b.entryId));
    let open: TraceEntry | undefined;
    const close = (to: number, exitSeen: boolean) => {
      if (!open) return;
      out.push({ key, venueId: open.venueId, from: open.at, to, exitSeen, entry: open });
      open = undefined;
    };
    for (const e of list) {
      if (e.direction === 'in') {
        if (open) close(Math.min(open.at + dwellMs, e.at), false);
        open = e;
      } else if (open && e.at - open.at <= maxStayMs) {
        close(e.at, true);
      } else {
        if (open) close(open.at + dwellMs, false);
        out.push({ key, venueId: e.venueId, from: e.at - dwellMs, to: e.at, exitSeen: true, entry: e });
      }
    }
    if (open) close(open.at + dwellMs, false);
  }
  return out.sort((a, b) => a.from - b.from || a.key.localeCompare(b.key));
}

export interface Interval {
  from: number;
  to: number;
}

/** How long two intervals share, in ms (0 when they only touch or are apart). */
export function overlapMs(a: Interval, b: Interval): number {
  return Math.max(0, Math.min(a.to, b.to) - Math.max(a.from, b.from));
}

export const widen = (v: Interval, marginMs: number): Interval => ({ from: v.from - marginMs, to: v.to + marginMs });

/** A blind index as a key beside plain identifiers (`type:id`). */
export const blindKey = (b: string): string => `b:${b}`;

/** Identifiers read together (one QR) or linked in the person registry are one person. */
export function identityUnion(entries: readonly TraceEntry[], personIdOf: ReadonlyMap<string, string>): KeyUnion {
  const union = new KeyUnion();
  for (const e of entries) {
    if (e.subject && e.altSubject) union.union(subjectKeyText(e.subject), subjectKeyText(e.altSubject));
    if (e.blindIndex && e.blindAlt) union.union(blindKey(e.blindIndex), blindKey(e.blindAlt));
    for (const s of [e.subject, e.altSubject]) {
      if (!s) continue;
      const key = subjectKeyText(s);
      const person = personIdOf.get(key);
      if (person !== undefined) union.union(key, `p:${person}`);
    }
  }
  return union;
}

/** The key an entry's person is first known by: an identifier, a blind index, or (sealed, unindexed) the entry itself. */
export function firstKeyOf(e: TraceEntry): string | undefined {
  if (e.subject) return subjectKeyText(e.subject);
  if (e.altSubject) return subjectKeyText(e.altSubject);
  if (e.blindIndex) return blindKey(e.blindIndex);
  if (e.sealedSubject) return `e:${e.entryId}`;
  return undefined;
}

/** Union-find over string keys: identifiers seen together (one QR, one person link) are one person. */
export class KeyUnion {
  private readonly parent = new Map<string, string>();

  find(key: string): string {
    let root = key;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root) as string;
    // Path compression keeps repeated lookups in a large venue cheap.
    let node = key;
    while (node !== root) {
      const next = this.parent.get(node) as string;
      this.parent.set(node, root);
      node = next;
    }
    if (!this.parent.has(root)) this.parent.set(root, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

/**
 * The windows [visit − reach, visit end + reach] of one venue's visits, overlapping ones merged:
 * what tracing and exposure read of a venue instead of the whole span from its first visit to its last.
 */
function mergeWindows(venueId: string, visits: readonly Interval[], reachMs: number): VenueWindow[] {
  const sorted = visits.map((v) => ({ fromMs: v.from - reachMs, toMs: v.to + reachMs })).sort((a, b) => a.fromMs - b.fromMs);
  const out: VenueWindow[] = [];
  for (const w of sorted) {
    const previous = out.at(-1);
    if (previous && w.fromMs <= previous.toMs + 1) previous.toMs = Math.max(previous.toMs, w.toMs);
    else out.push({ venueId, ...w });
  }
  return out;
}

/**
 * What trace and exposure read around visits: per venue, the merged windows from the dwell time plus
 * margin before each visit to as long after it, or the 12-hour longest stay plus margin where the
 * daily roll-up shows exit scans on those days (an exit may close a presence that began that early).
 * A presence beginning outside these windows cannot overlap a visit widened by the margin.
 */
export async function windowsAroundVisits(
  tracing: Pick<TracingStore, 'venuesWithExits'>,
  venues: ReadonlyArray<{ venueId: string; dwellMs: number; visits: readonly Interval[] }>,
  marginMs: number,
  maxStayMs: number,
): Promise<VenueWindow[]> {
  if (venues.length === 0) return [];
  const longReachOf = (dwellMs: number): number => marginMs + Math.max(maxStayMs, dwellMs);
  const spans = venues.map((v) => ({
    venueId: v.venueId,
    fromMs: Math.min(...v.visits.map((x) => x.from)) - longReachOf(v.dwellMs),
    toMs: Math.max(...v.visits.map((x) => x.to)) + longReachOf(v.dwellMs),
  }));
  const withExits = await tracing.venuesWithExits(spans);
  return venues.flatMap((v) => mergeWindows(v.venueId, v.visits, withExits.has(v.venueId) ? longReachOf(v.dwellMs) : marginMs + v.dwellMs));
}

/** The plain identifiers entries carry (subject and second identifier), each once, keyed by subjectKeyText. */
export function subjectsSeen(entries: Iterable<TraceEntry>): Map<string, Subject> {
  const seen = new Map<string, Subject>();
  for (const e of entries) {
    if (e.subject) seen.set(subjectKeyText(e.subject), e.subject);
    if (e.altSubject) seen.set(subjectKeyText(e.altSubject), e.altSubject);
  }
  return seen;
}
