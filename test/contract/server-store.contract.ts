import { describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { KioskError, type ErrorCode } from '../../common/errors.ts';
import type { BatchRequest, TimeAnchor, WireEntry } from '../../common/wire.ts';
import { riskHash } from '../../server/store/rules.ts';
import { thumbprint } from '../../server/store/trust-rules.ts';
import type { Device, ServerStore } from '../../server/store/store.ts';
import { makeCsca, makeDsc } from '../helpers/dcc-issuer.ts';
import { tracingStoreContract } from './tracing-store.contract.ts';
import { deploymentStoreContract } from './deployment.contract.ts';
import { wireEntry } from '../helpers/entries.ts';

export { wireEntry };

/**
 * The store contract: the same cases against every engine behind ServerStore (SQLite and
 * PostgreSQL), as the scanner contract suite runs against fakes and hardware. A case that passes on
 * one engine and not on the other is a bug in the engine, never a reason to branch here.
 */
export interface StoreHarness {
  store: ServerStore;
  /** A second store on the same database: another worker or process. */
  openAnother(): Promise<ServerStore>;
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty database; `now` stands in for the clock where a case needs time to pass. */
export type StoreFactory = (options?: { now?: () => number }) => Promise<StoreHarness>;

const DAY = 86_400_000;

export const publicKey = (): string => generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64url');


export const batchOf = (entries: WireEntry[], timeAnchors: TimeAnchor[] = [], deviceId = 'd'): BatchRequest => ({ batchId: randomUUID(), deviceId, entries, timeAnchors });
const seqs = (from: number, to: number, over: Partial<WireEntry> = {}): WireEntry[] => Array.from({ length: to - from + 1 }, (_, i) => wireEntry(from + i, over));

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<KioskError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(KioskError);
  expect((err as KioskError).code).toBe(code);
  return err as KioskError;
}

export async function enrolled(store: ServerStore): Promise<Device> {
  const venue = await store.createVenue('Chợ Bến Thành', 'hospital');
  return (await store.enroll(venue.enrollmentCode, publicKey(), 'gate 1')).device;
}

/** A harness per case, closed after it even when the case fails. */
export function withStore(factory: StoreFactory, body: (h: StoreHarness, clock: { now: number }) => Promise<void>, clockStart = Date.now()): () => Promise<void> {
  return async () => {
    const clock = { now: clockStart };
    const h = await factory({ now: () => clock.now });
    try {
      await body(h, clock);
    } finally {
      await h.cleanup();
    }
  };
}

export function serverStoreContract(engine: string, factory: StoreFactory): void {
  describe(`ServerStore contract: ${engine}`, () => {
    it(
      'creates venues and enrollment codes',
      withStore(factory, async ({ store }) => {
        const created = await store.createVenue('Trường THCS Lê Lợi', 'school', 3600_000);
        expect(created.enrollmentCode).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
        expect(await store.venue(created.venueId)).toEqual({ id: created.venueId, name: 'Trường THCS Lê Lợi', kind: 'school' });
        const more = await store.issueEnrollmentCode(created.venueId);
        expect(more.code).not.toBe(created.enrollmentCode);
        expect((await store.listVenues()).map((v) => v.id)).toContain(created.venueId);
        expect(await store.venue('v_missing')).toBeUndefined();
        await rejectsWith(store.issueEnrollmentCode('v_missing'), 'not-found');
      }),
    );

    it(
      'enrolls a device once per code, also when two workers race on the code',
      withStore(factory, async (h) => {
        const { store } = h;
        const venue = await store.createVenue('Bến xe Miền Đông', 'bus-station');
        const key = publicKey();
        // Typed in lower case without the dash, as a technician may.
        const { device, venue: v } = await store.enroll(venue.enrollmentCode.toLowerCase().replace('-', ''), key, 'gate');
        expect(v.id).toBe(venue.venueId);
        expect(device.venueId).toBe(venue.venueId);
        expect(device.riskKey.equals(store.riskKey)).toBe(true);
        expect(await store.device(device.id)).toMatchObject({ id: device.id, venueId: venue.venueId, publicKey: key });
        expect((await store.device(device.id))?.revokedAt).toBeUndefined();
        await rejectsWith(store.enroll(venue.enrollmentCode, publicKey(), undefined), 'enroll-code-used');

        const other = await h.openAnother();
        try {
          const { code } = await store.issueEnrollmentCode(venue.venueId);
          const results = await Promise.allSettled([store.enroll(code, publicKey(), 'a'), other.enroll(code, publicKey(), 'b')]);
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
          expect((failed.reason as KioskError).code).toBe('enroll-code-used');
          // Both workers hold the same keys: made once, kept in the database.
          expect(other.riskKey.equals(store.riskKey)).toBe(true);
          expect(other.serverKey.export({ format: 'pem', type: 'pkcs8' })).toEqual(store.serverKey.export({ format: 'pem', type: 'pkcs8' }));
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'refuses unknown, expired and used codes and a key enrolled twice',
      withStore(factory, async ({ store }, clock) => {
        const venue = await store.createVenue('Nhà máy', 'factory', 60_000);
        await rejectsWith(store.enroll('ZZZZZ-ZZZZZ', publicKey(), undefined), 'enroll-code-invalid');
        const key = publicKey();
        await store.enroll(venue.enrollmentCode, key, undefined);
        const { code } = await store.issueEnrollmentCode(venue.venueId, 60_000);
        await rejectsWith(store.enroll(code, key, undefined), 'bad-request');
        clock.now += 61_000;
        await rejectsWith(store.enroll(code, publicKey(), undefined), 'enroll-code-expired');
        await rejectsWith(store.enroll(venue.enrollmentCode, publicKey(), undefined), 'enroll-code-used');
      }),
    );

    it(
      'revokes a device once',
      withStore(factory, async ({ store }, clock) => {
        const device = await enrolled(store);
        const at = await store.revokeDevice(device.id);
        expect(at).toBe(clock.now);
        clock.now += 5000;
        expect(await store.revokeDevice(device.id)).toBe(at);
        expect((await store.device(device.id))?.revokedAt).toBe(at);
        await rejectsWith(store.revokeDevice('d_missing'), 'not-found');
      }),
    );

    it(
      'admits a nonce once per device, says when the device was revoked, and knows no stranger',
      withStore(factory, async ({ store }) => {
        const exp = Date.now() + 300_000;
        const [one, two] = [await enrolled(store), await enrolled(store)];
        expect(await store.admitRequest(one.id, 'n-1', exp)).toEqual({ fresh: true });
        expect(await store.admitRequest(one.id, 'n-1', exp)).toEqual({ fresh: false });
        expect(await store.admitRequest(two.id, 'n-1', exp)).toEqual({ fresh: true });
        const at = await store.revokeDevice(two.id);
        expect(await store.admitRequest(two.id, 'n-2', exp)).toEqual({ fresh: true, revokedAt: at });
        expect(await store.admitRequest('d_missing', 'n-3', exp)).toBeUndefined();
      }),
    );

    it(
      'rate-limits in fixed windows and says when the window reopens',
      withStore(factory, async ({ store }, clock) => {
        for (let i = 1; i <= 3; i++) expect(await store.takeRateLimit('enroll:10.0.0.1', 3, 10_000)).toEqual({ allowed: true, count: i, retryAfterMs: 10_000 });
        clock.now += 4000;
        expect(await store.takeRateLimit('enroll:10.0.0.1', 3, 10_000)).toEqual({ allowed: false, count: 4, retryAfterMs: 6000 });
        expect((await store.takeRateLimit('enroll:10.0.0.2', 3, 10_000)).allowed).toBe(true);
        clock.now += 6000;
        expect(await store.takeRateLimit('enroll:10.0.0.1', 3, 10_000)).toEqual({ allowed: true, count: 1, retryAfterMs: 10_000 });
      }),
    );

    it(
      'stores each entry exactly once, reports gaps and merges seq ranges',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const first = batchOf(seqs(1, 3));
        expect(await store.ingestBatch(device, first)).toEqual({ batchId: first.batchId, accepted: 3, duplicates: 0, acked: [{ from: 1, to: 3 }], gaps: [], replayed: false });
        expect(await store.ingestBatch(device, first)).toEqual({ batchId: first.batchId, accepted: 0, duplicates: 3, acked: [{ from: 1, to: 3 }], gaps: [], replayed: true });
        // The same entries again in another batch, with two new ones after a hole.
        const second = batchOf([...first.entries, ...seqs(6, 7)]);
        expect(await store.ingestBatch(device, second)).toEqual({
          batchId: second.batchId,
          accepted: 2,
          duplicates: 3,
          acked: [
            { from: 1, to: 3 },
            { from: 6, to: 7 },
          ],
          gaps: [{ from: 4, to: 5 }],
          replayed: false,
        });
        expect(await store.gaps(device.id)).toEqual([{ from: 4, to: 5 }]);
        const third = await store.ingestBatch(device, batchOf(seqs(4, 5)));
        expect(third.gaps).toEqual([]);
        expect(await store.gaps(device.id)).toEqual([]);
        expect(await store.countEntries()).toBe(7);
        const stored = await store.listEntries({ deviceId: device.id });
        expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(stored[0]).toEqual({ ...first.entries[0], deviceId: device.id, venueId: device.venueId, batchId: first.batchId, receivedAt: expect.any(Number) });
      }),
    );

    it(
      'ingests a 1000-entry batch in one go',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const r = await store.ingestBatch(device, batchOf(seqs(1, 1000)));
        expect(r).toMatchObject({ accepted: 1000, duplicates: 0, acked: [{ from: 1, to: 1000 }], gaps: [] });
        expect(await store.countEntries()).toBe(1000);
      }),
    );

    it(
      'keeps one device’s concurrent batches consistent and counts a batch sent twice at once once',
      withStore(factory, async (h) => {
        const { store } = h;
        const device = await enrolled(store);
        const other = await h.openAnother();
        try {
          const batches = Array.from({ length: 8 }, (_, i) => batchOf(seqs(i * 50 + 1, i * 50 + 50)));
          const results = await Promise.all(batches.map((b, i) => (i % 2 ? other : store).ingestBatch(device, b)));
          expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(400);
          expect(await store.gaps(device.id)).toEqual([]);
          const twice = batchOf(seqs(401, 420));
          const both = await Promise.all([store.ingestBatch(device, twice), other.ingestBatch(device, twice)]);
          expect(both.map((r) => r.replayed).sort()).toEqual([false, true]);
          expect(both.reduce((n, r) => n + r.accepted, 0)).toBe(20);
          expect(await store.countEntries()).toBe(420);
          expect(await store.gaps(device.id)).toEqual([]);
        } finally {
          await other.close();
        }
      }),
    );

    it(
      're-times a boot’s unsynchronised entries from time anchors, the latest anchor winning',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const wrong = Date.UTC(2000, 0, 1);
        const unsynced = [wireEntry(1, { clockSynced: false, recordedAt: wrong, monoMs: 1000 }), wireEntry(2, { clockSynced: false, recordedAt: wrong + 1000, monoMs: 2000.4 })];
        const synced = wireEntry(3, { monoMs: 3000 });
        const otherBoot = wireEntry(4, { clockSynced: false, bootId: 'boot-2', recordedAt: wrong, monoMs: 1000 });
        const wall = Date.UTC(2021, 8, 1, 3);
        const batch = batchOf([...unsynced, synced, otherBoot], [{ bootId: 'boot-1', monoMs: 1500, wallMs: wall, source: 'server' }]);
        await store.ingestBatch(device, batch);
        const byseq = async (): Promise<Map<number, number | null>> => new Map((await store.listEntries({ deviceId: device.id })).map((e) => [e.seq, e.correctedAt]));
        expect(await byseq()).toEqual(
          new Map([
            [1, wall - 500],
            [2, wall + 500],
            [3, null],
            [4, null],
          ]),
        );
        // A retried batch carrying a newer anchor of the same boot re-times again.
        await store.ingestBatch(device, {
          ...batch,
          timeAnchors: [
            { bootId: 'boot-1', monoMs: 1500, wallMs: wall, source: 'server' },
            { bootId: 'boot-1', monoMs: 1500, wallMs: wall + 60_000, source: 'ntp' },
          ],
        });
        expect((await byseq()).get(1)).toBe(wall + 59_500);
        expect((await store.listEntries({ deviceId: device.id }))[0]?.recordedAt).toBe(wrong);
      }),
    );

    it(
      'applies passages to the device’s own entries',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const stranger = await enrolled(store);
        const [mine] = seqs(1, 1);
        const [theirs] = seqs(1, 1);
        await store.ingestBatch(device, batchOf([mine as WireEntry]));
        await store.ingestBatch(stranger, batchOf([theirs as WireEntry]));
        const missing = uuidv7();
        const r = await store.applyPassages(device, [
          { entryId: (mine as WireEntry).entryId, passed: true, at: 1 },
          { entryId: (theirs as WireEntry).entryId, passed: true, at: 2 },
          { entryId: missing, passed: false, at: 3 },
        ]);
        expect(r).toEqual({ applied: 1, unknown: [(theirs as WireEntry).entryId, missing] });
        expect((await store.listEntries({ deviceId: device.id }))[0]?.passage).toBe('passed');
        expect((await store.listEntries({ deviceId: stranger.id }))[0]?.passage).toBeUndefined();
      }),
    );

    it(
      'answers statuses and publishes the risk list as snapshot pages and deltas',
      withStore(factory, async ({ store }) => {
        const red = { type: 'cccd', id: '001' } as const;
        const f1 = { type: 'cccd', id: '002' } as const;
        const green = { type: 'passport', id: 'B1234567' } as const;
        expect(await store.lookupStatus(red)).toEqual({ status: 'unknown', flags: [], declaredAt: null, ttlMs: 60_000 });
        expect(await store.riskListPage(0, undefined)).toEqual({ mode: 'snapshot', snapshotCursor: 0, hashes: '', next: null });
        await store.setSubjectStatuses([
          { subject: red, status: 'red', flags: [], declaredAt: 1000 },
          { subject: f1, status: 'yellow', flags: ['F1'], declaredAt: null },
          { subject: green, status: 'green', flags: [], declaredAt: 2000 },
        ]);
        expect(await store.lookupStatus(f1)).toEqual({ status: 'yellow', flags: ['F1'], declaredAt: null, ttlMs: 300_000 });
        expect(await store.lookupStatus(red)).toEqual({ status: 'red', flags: [], declaredAt: 1000, ttlMs: 300_000 });
        const hashes = [riskHash(store.riskKey, red), riskHash(store.riskKey, f1)].sort(Buffer.compare);
        const page1 = await store.riskListPage(0, undefined, 1);
        expect(page1).toEqual({ mode: 'snapshot', snapshotCursor: 2, hashes: (hashes[0] as Buffer).toString('base64'), next: (hashes[0] as Buffer).toString('hex') });
        const page2 = await store.riskListPage(0, (hashes[0] as Buffer).toString('hex'), 1);
        expect(page2).toMatchObject({ hashes: (hashes[1] as Buffer).toString('base64'), snapshotCursor: 2 });
        const page3 = await store.riskListPage(0, (hashes[1] as Buffer).toString('hex'), 1);
        expect(page3).toMatchObject({ hashes: '', next: null });

        // Recovered: off the list; an unchanged subject logs nothing.
        await store.setSubjectStatuses([
          { subject: red, status: 'green', flags: [], declaredAt: 3000 },
          { subject: f1, status: 'yellow', flags: ['F1'], declaredAt: null },
        ]);
        expect(await store.riskListPage(2, undefined)).toEqual({ mode: 'delta', cursor: 3, added: '', removed: riskHash(store.riskKey, red).toString('base64'), hasMore: false });
        expect(await store.riskListPage(3, undefined)).toEqual({ mode: 'delta', cursor: 3, added: '', removed: '', hasMore: false });
        const fromStart = await store.riskListPage(1, undefined, 1);
        expect(fromStart).toMatchObject({ mode: 'delta', cursor: 2, hasMore: true });
        await rejectsWith(store.riskListPage(4, undefined), 'bad-request');
      }),
    );

    it(
      'versions the trust list: imports, deltas since a version, refused entries',
      withStore(factory, async ({ store }) => {
        const csca = await makeCsca('XA');
        const dsc1 = await makeDsc(csca);
        const dsc2 = await makeDsc(csca);
        expect(await store.trustList.version()).toBe(0);
        expect(await store.trustList.import([csca.entry, dsc1.entry], { 'vaccines-covid-19-names': { EU_1_20_1528: 'Spikevax' } })).toEqual({ version: 1, added: 2, removed: 0, unchanged: 0 });
        expect(await store.trustList.import([csca.entry, dsc1.entry])).toEqual({ version: 1, added: 0, removed: 0, unchanged: 2 });
        const full = await store.trustList.since(0);
        expect(full).toMatchObject({ version: 1, isFull: true, removed: [], valueSets: { 'vaccines-covid-19-names': { EU_1_20_1528: 'Spikevax' } } });
        expect(full.certificates.map((c) => c.kid).sort()).toEqual([csca.entry.kid, dsc1.entry.kid].sort());
        expect(full.certificates.find((c) => c.kid === csca.entry.kid)?.certificateType).toBe('CSCA');
        expect(await store.trustList.import([csca.entry, dsc2.entry])).toEqual({ version: 2, added: 1, removed: 1, unchanged: 1 });
        const delta = await store.trustList.since(1);
        expect(delta).toMatchObject({ version: 2, isFull: false, removed: [thumbprint(dsc1.entry.rawData)], valueSets: null });
        expect(delta.certificates.map((c) => c.kid)).toEqual([dsc2.entry.kid]);
        expect(await store.trustList.since(2)).toMatchObject({ version: 2, isFull: false, certificates: [], removed: [] });
        expect((await store.trustList.since(99)).isFull).toBe(true);
        await rejectsWith(store.trustList.import([{ ...dsc1.entry, kid: dsc2.entry.kid }]), 'bad-request');
        expect(await store.trustList.version()).toBe(2);
      }),
    );

    it(
      'reports a venue’s month and day on Vietnam days, at repaired times',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const a = { type: 'cccd', id: 'A' } as const;
        const at = (iso: string): number => Date.parse(iso);
        const entries = [
          wireEntry(1, { recordedAt: at('2021-09-01T01:00:00Z'), subject: a }),
          wireEntry(2, { recordedAt: at('2021-09-01T16:30:00Z'), verdict: 'deny', reasons: ['unreadable'], source: 'offline', subject: null, sealedSubject: 'sealed' }),
          wireEntry(3, { recordedAt: at('2021-09-01T17:30:00Z'), direction: 'out', subject: a }),
          wireEntry(4, { recordedAt: at('2021-09-02T02:00:00Z'), verdict: 'warn', reasons: ['dcc-expiring', 'status-green'], subject: { type: 'cccd', id: 'B' } }),
          wireEntry(5, { recordedAt: at('2021-09-02T02:30:00Z'), subject: a }),
          wireEntry(6, { recordedAt: Date.UTC(2000, 0, 1), clockSynced: false, bootId: 'boot-9', monoMs: 500, subject: { type: 'passport', id: 'C' } }),
          wireEntry(7, { recordedAt: at('2021-10-01T02:00:00Z'), subject: a }),
        ];
        await store.ingestBatch(device, batchOf(entries, [{ bootId: 'boot-9', monoMs: 500, wallMs: at('2021-09-02T03:00:00Z'), source: 'ntp' }]));
        const month = await store.report(device.venueId, { month: '2021-09' });
        const zero = { entries: 0, exits: 0, allowed: 0, denied: 0, warned: 0, unreadable: 0, offlineDecisions: 0, distinctPeople: 0 };
        const sep1 = { ...zero, entries: 2, allowed: 1, denied: 1, unreadable: 1, offlineDecisions: 1, distinctPeople: 1 };
        const sep2 = { ...zero, entries: 3, exits: 1, allowed: 3, warned: 1, distinctPeople: 3 };
        expect(month).toMatchObject({
          venueId: device.venueId,
          period: { from: '2021-09-01', to: '2021-09-30', timezone: 'Asia/Ho_Chi_Minh' },
          days: [
            { date: '2021-09-01', ...sep1 },
            { date: '2021-09-02', ...sep2 },
          ],
          totals: { entries: 5, exits: 1, allowed: 4, denied: 1, warned: 1, unreadable: 1, offlineDecisions: 1, distinctPeople: 3 },
          devices: [{ deviceId: device.id, entries: 6, gaps: [] }],
        });
        const day = await store.report(device.venueId, { date: '2021-09-02' });
        expect(day).toMatchObject({ days: [{ date: '2021-09-02', ...sep2 }], totals: sep2, devices: [{ deviceId: device.id, entries: 4 }] });
        const empty = await store.report(device.venueId, { date: '2021-08-15' });
        expect(empty).toMatchObject({ days: [], totals: zero, devices: [] });
        await rejectsWith(store.report('v_missing', { month: '2021-09' }), 'not-found');
        await rejectsWith(store.report(device.venueId, { month: '2021-13' }), 'bad-request');
      }),
    );

    it(
      'lists entries by venue, device, page and count, and entry keys in entryId order',
      withStore(factory, async ({ store }) => {
        const d1 = await enrolled(store);
        const d2 = await enrolled(store);
        await store.ingestBatch(d1, batchOf(seqs(1, 5)));
        await store.ingestBatch(d2, batchOf(seqs(1, 3)));
        expect(await store.countEntries()).toBe(8);
        expect(await store.listEntries()).toHaveLength(8);
        expect((await store.listEntries({ venueId: d2.venueId })).map((e) => e.deviceId)).toEqual([d2.id, d2.id, d2.id]);
        const own = await store.listEntries({ deviceId: d1.id, limit: 2 });
        expect(own.map((e) => e.seq)).toEqual([1, 2]);
        const after = await store.listEntries({ deviceId: d1.id, afterEntryId: (own[1] as WireEntry).entryId });
        expect(after.map((e) => e.seq)).toEqual([3, 4, 5]);
        expect(await store.listEntries({ venueId: 'v_none' })).toEqual([]);
        const keys = await store.entryKeys({ limit: 100 });
        expect(keys).toHaveLength(8);
        expect(keys.map((k) => k.entryId)).toEqual(keys.map((k) => k.entryId).sort());
        const firstPage = await store.entryKeys({ venueId: d1.venueId, limit: 3 });
        expect(firstPage).toEqual((await store.listEntries({ deviceId: d1.id })).slice(0, 3).map((e) => ({ entryId: e.entryId, deviceId: d1.id, seq: e.seq })));
        const rest = await store.entryKeys({ venueId: d1.venueId, afterEntryId: (firstPage[2] as { entryId: string }).entryId, limit: 100 });
        expect(rest.map((k) => k.seq)).toEqual([4, 5]);
      }),
    );

    it(
      'maintains: removes entries past retention, keeps recent ones and impossible clocks',
      withStore(factory, async ({ store }, clock) => {
        const device = await enrolled(store);
        const now = clock.now;
        await store.ingestBatch(
          device,
          batchOf([
            wireEntry(1, { recordedAt: now - 60 * DAY }),
            wireEntry(2, { recordedAt: now - 3600_000 }),
            wireEntry(3, { recordedAt: now + 3 * 365 * DAY }),
          ]),
        );
        const expire = clock.now - 1000;
        await store.admitRequest(device.id, 'old', expire);
        const outcome = await store.maintain(21);
        expect(outcome.deletedRows).toBe(1);
        expect((await store.listEntries({ deviceId: device.id })).map((e) => e.seq)).toEqual([2, 3]);
        // The expired nonce was pruned, so the same value is fresh again.
        expect(await store.admitRequest(device.id, 'old', clock.now + 60_000)).toEqual({ fresh: true });
      }),
    );

      // Tracing (issue 13): tokens, audit, identities and trace queries, the same on both engines.
    tracingStoreContract(factory);
    // Deployment (issue 14): venue locations, heartbeats, fleet and the report's raw figures.
    deploymentStoreContract(engine, async (now) => {
      const h = await factory({ now });
      return { store: h.store, cleanup: () => h.cleanup() };
    });
  });
}
