import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { VENUE_KINDS, type VenueKind } from '../../common/wire.ts';
import type { ServerStore } from '../store/store.ts';
import type { SeedBatch, SeedDevice, SeedEntry, SeedLoader, SeedVenue } from '../store/seed-load.ts';
import { adminUnits, type Commune } from './admin-units.ts';
import { DEFAULT_DWELL_MIN } from './presence.ts';
import { VN_OFFSET_MS } from './report.ts';
import { bhytCardOf, identityLinksOf, makePerson, rng, statusRowsOf, type Person } from './seed.ts';

/**
 * `kiosk server seed --entries N [--from DATE --days D]`: a realistic, reproducible tracing
 * database for tests and benchmarks (issue 13). Venues of every kind across the communes of the
 * 2021 register, kiosks per venue, people with a few habitual venues near each other, entries
 * following a day's rhythm (morning and evening peaks, quieter nights, offices and schools empty at
 * the weekend, markets busier) and exit scans where venues have exit kiosks. Everything comes from
 * one seeded generator, so the same --seed gives the same rows on every machine and engine; only the
 * default --from depends on today.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Rows handed to the engine at once: large enough for COPY and SQLite transactions to pay off. */
const CHUNK = 50_000;
/** The retention every store opens with (PostgresStore.open and `kiosk server start` default). */
const RETENTION_DAYS = 21;

export interface EntrySeedPlan {
  entries: number;
  /** First Vietnam day (days since the epoch, UTC+7). */
  fromDay: number;
  days: number;
  seed: number;
  /** People; by default one per 30 entries (between 50 and 1,000,000). */
  people?: number;
}

export interface EntrySeedSummary {
  entries: number;
  exits: number;
  venues: number;
  devices: number;
  people: number;
  provinces: number;
  communes: number;
  batches: number;
  from: string;
  to: string;
  seconds: number;
  /** Entries coming in (direction `in`) per commune and Vietnam date, keyed `commune|YYYY-MM-DD`: what a deployment report must count. */
  inPerCommuneDay: Map<string, number>;
}

const entriesSchema = z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000_000, 'must be at most 1,000,000,000');
const daysSchema = z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(366, 'must be at most 366');

/** Checks the command line's --entries, --from and --days; errors name the flag to correct. */
export function entrySeedPlan(raw: { entries: string; from?: string; days?: string; seed: number; people?: number }, nowMs: number): EntrySeedPlan {
  const bad = (flag: string, message: string): KioskError => new KioskError('bad-request', `${flag} ${message}`, { details: { field: flag } });
  const entries = entriesSchema.safeParse(raw.entries.trim() === '' ? Number.NaN : raw.entries);
  if (!entries.success) throw bad('--entries', `${entries.error.issues[0]?.message ?? 'is invalid'}, got "${raw.entries.slice(0, 40)}"`);
  const days = daysSchema.safeParse(raw.days === undefined ? 14 : raw.days.trim() === '' ? Number.NaN : raw.days);
  if (!days.success) throw bad('--days', `${days.error.issues[0]?.message ?? 'is invalid'}, got "${String(raw.days).slice(0, 40)}"`);
  const today = vnDayOf(nowMs);
  let fromDay = today - 21;
  if (raw.from !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.from);
    const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
    if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== raw.from) throw bad('--from', `must be a date YYYY-MM-DD (Vietnam time), got "${raw.from.slice(0, 40)}"`);
    fromDay = ms / DAY_MS;
    if (fromDay > today) throw bad('--from', `${raw.from} is in the future (today is ${dateOf(today)} in Vietnam); seed days that have happened`);
    if (fromDay < vnDayOf(Date.UTC(2000, 0, 1))) throw bad('--from', `${raw.from} is before 2000`);
  }
  return { entries: entries.data, fromDay, days: days.data, seed: raw.seed, ...(raw.people === undefined ? {} : { people: raw.people }) };
}

const vnDayOf = (ms: number): number => Math.floor((ms + VN_OFFSET_MS) / DAY_MS);
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayStart = (day: number): number => day * DAY_MS - VN_OFFSET_MS;

/** Share of each kind among venues, and its kiosks: big places have several entrances. */
const KINDS: Record<VenueKind, { share: number; kiosks: [number, number]; label: string; hasExit: boolean }> = {
  hospital: { share: 6, kiosks: [3, 6], label: 'Bệnh viện', hasExit: true },
  'bus-station': { share: 4, kiosks: [2, 4], label: 'Bến xe', hasExit: false },
  school: { share: 12, kiosks: [1, 3], label: 'Trường', hasExit: false },
  factory: { share: 10, kiosks: [2, 4], label: 'Nhà máy', hasExit: true },
  market: { share: 20, kiosks: [2, 4], label: 'Chợ', hasExit: false },
  office: { share: 14, kiosks: [1, 2], label: 'Văn phòng', hasExit: true },
  supermarket: { share: 10, kiosks: [1, 3], label: 'Siêu thị', hasExit: false },
  government: { share: 10, kiosks: [1, 2], label: 'UBND', hasExit: false },
  other: { share: 14, kiosks: [1, 2], label: 'Cửa hàng', hasExit: false },
};
/** Weekend traffic against a weekday's. */
const WEEKEND: Record<VenueKind, number> = { hospital: 0.7, 'bus-station': 1.3, school: 0.1, factory: 0.5, market: 1.4, office: 0.1, supermarket: 1.6, government: 0.05, other: 1.2 };
/** Entries per Vietnam hour of the day: a morning and an evening peak, a lunch bump, quiet nights. */
const HOURLY = [0.05, 0.02, 0.02, 0.02, 0.1, 0.4, 1.2, 2.2, 2.0, 1.4, 1.3, 1.6, 1.4, 1.0, 1.0, 1.2, 1.6, 2.2, 2.4, 1.8, 1.2, 0.7, 0.3, 0.1];
/** Share of venues placed in Thừa Thiên Huế (46), the province the deployment report is shown and benchmarked on. */
const HUE_SHARE = 0.2;
/** A visit is by one of the venue's regulars this often; else by anyone. */
const REGULAR_SHARE = 0.85;
/** Visits at a venue with an exit kiosk that are scanned out too. */
const EXIT_SHARE = 0.7;

interface People {
  cccd: string[];
  cmnd: string[];
  qid: string[];
  bhyt: string[];
  status: Person['status'][];
  flagF0: boolean[];
}

/** A scan waiting for its hour: compact until the hour is sorted and numbered. */
interface Pending {
  t: number;
  venue: number;
  device: number;
  person: number;
  /** 0 CCCD chip QR, 1 PC-COVID with the number, 2 PC-COVID masked, 3 BHYT card, 4 unreadable. */
  form: number;
  out: boolean;
}

export type SeedStore = Pick<ServerStore, 'engine' | 'setSubjectStatuses' | 'tracing' | 'seedLoader'>;

/**
 * Generates and loads the plan. `progress` receives a line now and then (the CLI writes it on
 * stderr). The person registry and the people's statuses are written too, so tracing follows a
 * person's CCCD, old CMND and QID and kiosks would see their statuses.
 */
export async function seedEntries(store: SeedStore, plan: EntrySeedPlan, progress: (line: string) => void = () => undefined, nowMs = Date.now()): Promise<EntrySeedSummary> {
  const started = performance.now();
  const r = rng(plan.seed);
  const loader: SeedLoader = store.seedLoader;
  if (store.engine === 'postgres' && dayStart(plan.fromDay + 1) <= nowMs - RETENTION_DAYS * DAY_MS) {
    throw new KioskError(
      'bad-request',
      `--from ${dateOf(plan.fromDay)} is older than the server's retention (${RETENTION_DAYS} days): PostgreSQL's maintenance drops those day partitions whenever the database is opened next; seed from ${dateOf(vnDayOf(nowMs) - RETENTION_DAYS)} or later`,
      { details: { field: '--from' } },
    );
  }
  const fromMs = dayStart(plan.fromDay);
  const toMs = dayStart(plan.fromDay + plan.days);

  // --- venues and kiosks --------------------------------------------------------------------
  const register = adminUnits();
  const allCommunes = [...register.communes.values()];
  const hue = register.communesOf('46');
  const venueCount = Math.max(VENUE_KINDS.length, Math.min(20_000, Math.round(plan.entries / 2500)));
  const kindTable = cumulative(VENUE_KINDS.map((k) => KINDS[k].share));
  const drafts: Array<{ kind: VenueKind; commune: Commune; popularity: number }> = [];
  for (let i = 0; i < venueCount; i++) {
    // The first venues take one kind each, so every kind exists however small the database.
    const kind = i < VENUE_KINDS.length ? (VENUE_KINDS[i] as VenueKind) : (VENUE_KINDS[pickIndex(kindTable, r())] as VenueKind);
    const commune = (r() < HUE_SHARE || i === 0 ? hue[Math.floor(r() * hue.length)] : allCommunes[Math.floor(r() * allCommunes.length)]) as Commune;
    // Skewed: a few crowded places, many quiet ones.
    drafts.push({ kind, commune, popularity: 0.2 + 4 * r() ** 3 });
  }
  // Ordered by commune code, so venues close in the list are close on the map (habits stay local).
  drafts.sort((a, b) => a.commune.code.localeCompare(b.commune.code));
  const venues: SeedVenue[] = [];
  const devices: SeedDevice[] = [];
  const firstDevice: number[] = [];
  const deviceCount: number[] = [];
  for (const [i, d] of drafts.entries()) {
    const id = `v_${hex(r, 12)}`;
    venues.push({ id, name: `${KINDS[d.kind].label} ${d.commune.name} số ${i + 1}`, kind: d.kind, createdAt: fromMs - 60 * DAY_MS, location: { provinceCode: d.commune.provinceCode, districtCode: d.commune.districtCode, communeCode: d.commune.code } });
    const [lo, hi] = KINDS[d.kind].kiosks;
    const n = lo + Math.floor(r() * (hi - lo + 1));
    firstDevice.push(devices.length);
    deviceCount.push(n);
    for (let k = 0; k < n; k++) {
      devices.push({ id: `d_${hex(r, 16)}`, venueId: id, publicKey: Buffer.from(hex(r, 64), 'hex').toString('base64url'), name: `Cổng ${k + 1}`, enrolledAt: fromMs - 30 * DAY_MS, lastSeenAt: toMs });
    }
  }
  await loader.addVenues(venues, devices);
  progress(`seed: ${venues.length} venues in ${new Set(drafts.map((d) => d.commune.provinceCode)).size} provinces, ${devices.length} kiosks`);

  // --- people, their statuses and the person registry ---------------------------------------
  const peopleCount = plan.people ?? Math.max(50, Math.min(1_000_000, Math.round(plan.entries / 30)));
  const people: People = { cccd: [], cmnd: [], qid: [], bhyt: [], status: [], flagF0: [] };
  const seen = new Set<string>();
  for (let start = 0; start < peopleCount; start += CHUNK) {
    const chunk: Person[] = [];
    while (chunk.length < Math.min(CHUNK, peopleCount - start)) {
      const p = makePerson(r, start + chunk.length);
      // Two people drawn with one CCCD number would be one person to tracing: draw again.
      if (seen.has(p.cccd)) continue;
      seen.add(p.cccd);
      chunk.push(p);
      people.cccd.push(p.cccd);
      people.cmnd.push(p.oldCmnd);
      people.qid.push(p.qid);
      people.bhyt.push(bhytCardOf(p).slice(-10));
      people.status.push(p.status);
      people.flagF0.push(p.flags.includes('F0'));
    }
    await store.setSubjectStatuses(statusRowsOf(chunk, nowMs));
    await store.tracing.linkIdentities(identityLinksOf(chunk));
  }
  seen.clear();
  // Each person has three habitual venues near each other; a venue knows its regulars.
  const regulars: number[][] = venues.map(() => []);
  const popularity = cumulative(drafts.map((d) => d.popularity));
  for (let p = 0; p < peopleCount; p++) {
    const home = pickIndex(popularity, r());
    for (let h = 0; h < 3; h++) {
      const v = h === 0 ? home : Math.min(venueCount - 1, Math.max(0, home + Math.floor(r() * 41) - 20));
      (regulars[v] as number[]).push(p);
    }
  }
  progress(`seed: ${peopleCount} people with statuses and registry links`);

  // --- entries, hour by hour ------------------------------------------------------------------
  await loader.prepareRange(fromMs, toMs);
  const hours = plan.days * 24;
  const weekday = cumulative(drafts.map((d) => d.popularity));
  const weekend = cumulative(drafts.map((d) => d.popularity * WEEKEND[d.kind]));
  const weekendFactor = (weekend.at(-1) as number) / (weekday.at(-1) as number);
  const isWeekend = (day: number): boolean => [0, 6].includes((day + 4) % 7);
  const budget = apportion(
    plan.entries,
    Array.from({ length: hours }, (_, h) => (HOURLY[h % 24] as number) * (isWeekend(plan.fromDay + Math.floor(h / 24)) ? weekendFactor : 1)),
  );
  const buckets: Pending[][] = Array.from({ length: hours }, () => []);
  const seqOf = new Float64Array(devices.length);
  const dayCount = new Float64Array(devices.length);
  const dayReceived = new Float64Array(devices.length);
  const inPerCommuneDay = new Map<string, number>();
  let written = 0;
  let exits = 0;
  let batches = 0;
  let idCounter = 0;
  let rows: SeedEntry[] = [];
  const lastProgress = { at: performance.now() };
  // One chunk in the engine while the next is generated: generating costs about as much CPU as
  // PostgreSQL's COPY, so overlapping them nearly halves the load time on two cores.
  let inFlight: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    const pending = inFlight;
    inFlight = undefined;
    if (pending) await pending;
  };
  const flushRows = async (): Promise<void> => {
    if (rows.length === 0) return;
    const chunk = rows;
    rows = [];
    await drain();
    const pending = loader.appendEntries(chunk).then(() => {
      written += chunk.length;
      if (performance.now() - lastProgress.at > 2000) {
        lastProgress.at = performance.now();
        const s = (performance.now() - started) / 1000;
        progress(`seed: ${written.toLocaleString('en')} / ${plan.entries.toLocaleString('en')} entries (${Math.round(written / s).toLocaleString('en')}/s overall)`);
      }
    });
    // Rejections surface at the next drain(); this only keeps Node from calling them unhandled meanwhile.
    pending.catch(() => undefined);
    inFlight = pending;
  };

  for (let h = 0; h < hours; h++) {
    const day = plan.fromDay + Math.floor(h / 24);
    const table = isWeekend(day) ? weekend : weekday;
    const hourStart = fromMs + h * HOUR_MS;
    const bucket = buckets[h] as Pending[];
    const date = dateOf(day);
    let left = budget[h] as number;
    while (left > 0) {
      const venue = pickIndex(table, r());
      const kind = (drafts[venue] as { kind: VenueKind }).kind;
      const regs = regulars[venue] as number[];
      const person = regs.length > 0 && r() < REGULAR_SHARE ? (regs[Math.floor(r() * regs.length)] as number) : Math.floor(r() * peopleCount);
      const device = (firstDevice[venue] as number) + Math.floor(r() * (deviceCount[venue] as number));
      const t = hourStart + Math.floor(r() * HOUR_MS);
      const roll = r();
      const form = roll < 0.55 ? 0 : roll < 0.8 ? 1 : roll < 0.9 ? 2 : roll < 0.98 ? 3 : 4;
      bucket.push({ t, venue, device, person, form, out: false });
      left -= 1;
      if (KINDS[kind].hasExit && form !== 4 && left > 0 && r() < EXIT_SHARE) {
        const tOut = t + Math.round(DEFAULT_DWELL_MIN[kind] * 60_000 * (0.3 + r()));
        const at = Math.floor((tOut - fromMs) / HOUR_MS);
        if (at < hours) {
          (buckets[at] as Pending[]).push({ t: tOut, venue, device, person, form, out: true });
          left -= 1;
          exits += 1;
        }
      }
    }
    // The hour is complete (later hours only add exits to later buckets): number it in time order.
    bucket.sort((a, b) => a.t - b.t);
    for (const e of bucket) {
      const seq = (seqOf[e.device] = (seqOf[e.device] as number) + 1);
      const receivedAt = e.t + 2000 + Math.floor(r() * 58_000);
      dayCount[e.device] = (dayCount[e.device] as number) + 1;
      if (receivedAt > (dayReceived[e.device] as number)) dayReceived[e.device] = receivedAt;
      rows.push(entryRow(e, seq, receivedAt, day, ++idCounter, venues, devices, people, r));
      if (!e.out) {
        const key = `${venues[e.venue]?.location.communeCode}|${date}`;
        inPerCommuneDay.set(key, (inPerCommuneDay.get(key) ?? 0) + 1);
      }
    }
    buckets[h] = [];
    if (rows.length >= CHUNK) await flushRows();
    if (h % 24 === 23) {
      // One batch per kiosk and day carried the day's entries (ids made from kiosk and day).
      await flushRows();
      await drain();
      const dayBatches: SeedBatch[] = [];
      for (let d = 0; d < devices.length; d++) {
        if (dayCount[d] === 0) continue;
        dayBatches.push({ batchId: batchIdOf(d, day), deviceId: (devices[d] as SeedDevice).id, receivedAt: dayReceived[d] as number, count: dayCount[d] as number });
      }
      await loader.addBatches(dayBatches, []);
      batches += dayBatches.length;
      dayCount.fill(0);
      dayReceived.fill(0);
    }
  }
  await flushRows();
  await drain();
  const ranges = devices.flatMap((d, i) => ((seqOf[i] as number) > 0 ? [{ deviceId: d.id, from: 1, to: seqOf[i] as number }] : []));
  await loader.addBatches([], ranges);
  progress('seed: analysing tables');
  await loader.finish();
  return {
    entries: written,
    exits,
    venues: venues.length,
    devices: devices.length,
    people: peopleCount,
    provinces: new Set(drafts.map((d) => d.commune.provinceCode)).size,
    communes: new Set(drafts.map((d) => d.commune.code)).size,
    batches,
    from: dateOf(plan.fromDay),
    to: dateOf(plan.fromDay + plan.days - 1),
    seconds: Math.round((performance.now() - started) / 100) / 10,
    inPerCommuneDay,
  };
}

const STATUS_SCAN: Record<Person['status'], { verdict: string; reason: string }> = {
  green: { verdict: 'allow', reason: 'status-green' },
  yellow: { verdict: 'warn', reason: 'status-yellow' },
  red: { verdict: 'deny', reason: 'status-red' },
  unknown: { verdict: 'warn', reason: 'status-unknown' },
};
const FORMAT_OF = ['vn-cccd', 'vn-pccovid', 'vn-pccovid', 'vn-bhyt', 'unknown'] as const;

function entryRow(e: Pending, seq: number, receivedAt: number, day: number, id: number, venues: readonly SeedVenue[], devices: readonly SeedDevice[], people: People, r: () => number): SeedEntry {
  const p = e.person;
  const status = people.status[p] as Person['status'];
  let subjectType: string | null = 'cccd';
  let subjectId: string | null = people.cccd[p] as string;
  let altType: string | null = null;
  let altId: string | null = null;
  // What the kiosk stores per QR kind: the chip card's old CMND beside the CCCD, a PC-COVID QR's QID.
  if (e.form === 0 && people.cmnd[p]) [altType, altId] = ['cmnd', people.cmnd[p]];
  else if (e.form === 1) [altType, altId] = ['qid', people.qid[p] as string];
  else if (e.form === 2) [subjectType, subjectId] = ['qid', people.qid[p] as string];
  else if (e.form === 3) [subjectType, subjectId] = ['bhyt', people.bhyt[p] as string];
  else if (e.form === 4) [subjectType, subjectId] = [null, null];
  const scan = STATUS_SCAN[status];
  const unreadable = e.form === 4;
  const source = unreadable ? 'none' : status === 'unknown' ? 'none' : r() < 0.05 ? 'cache' : 'online';
  const device = devices[e.device] as SeedDevice;
  return {
    entryId: entryIdOf(e.t, id),
    deviceId: device.id,
    venueId: (venues[e.venue] as SeedVenue).id,
    batchId: batchIdOf(e.device, day),
    seq,
    recordedAt: e.t,
    receivedAt,
    bootId: `boot-${day}`,
    monoMs: e.t - dayStart(day) + 0.5,
    direction: e.out ? 'out' : 'in',
    format: FORMAT_OF[e.form] as string,
    verdict: unreadable ? 'deny' : e.out ? 'allow' : scan.verdict,
    reasons: unreadable ? 'unreadable' : e.out ? 'exit-recorded' : status === 'red' && people.flagF0[p] ? `${scan.reason},flag-f0` : scan.reason,
    source,
    status: unreadable ? 'unknown' : status,
    subjectType,
    subjectId,
    altType,
    altId,
    latencyMs: Math.round((2 + r() * 30) * 10) / 10,
  };
}

/** UUIDv7 layout: the scan's millisecond time first (ids sort by time, as a kiosk's do), then a counter. */
function entryIdOf(t: number, id: number): string {
  const time = t.toString(16).padStart(12, '0');
  const n = id.toString(16).padStart(18, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${n.slice(0, 3)}-8${n.slice(3, 6)}-${n.slice(6)}`;
}

function batchIdOf(device: number, day: number): string {
  return `${device.toString(16).padStart(8, '0')}-${(day & 0xffff).toString(16).padStart(4, '0')}-7000-8000-000000000000`;
}

function hex(r: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += Math.floor(r() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return s.slice(0, length);
}

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (const [i, w] of weights.entries()) out[i] = sum += w;
  return out;
}

/** The index whose cumulative weight first exceeds u × total (binary search). */
function pickIndex(table: Float64Array, u: number): number {
  const target = u * (table[table.length - 1] as number);
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((table[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Splits `total` over the weights in whole numbers that add up exactly (largest remainders). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i] = (out[i] as number) + 1;
    left -= 1;
  }
  return out;
}
