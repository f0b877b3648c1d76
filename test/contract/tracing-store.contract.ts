import { describe, expect, it } from 'vitest';
import type { Subject } from '../../common/wire.ts';
import { issueToken, principalOf } from '../../server/services/tokens.ts';
import { traceCase } from '../../server/services/tracing.ts';
import { batchOf, enrolled, rejectsWith, withStore, wireEntry, type StoreFactory } from './server-store.contract.ts';

/**
 * TracingStore cases (issue 13), run by serverStoreContract against every engine: the trace service
 * on top must answer the same whichever engine holds the entries.
 */
const T = Date.UTC(2021, 8, 1, 1); // 08:00 in Vietnam
const MIN = 60_000;
const cccd = (id: string): Subject => ({ type: 'cccd', id });

export function tracingStoreContract(factory: StoreFactory): void {
  describe('tracing', () => {
    it(
      'keeps tokens by hash, revokes them, and refuses a token for a venue that does not exist',
      withStore(factory, async ({ store }) => {
        const { token, row } = await issueToken(store.tracing, { role: 'health', now: 1000, label: 'Sở Y tế' });
        expect(await store.tracing.tokenByHash(row.hash)).toEqual(row);
        expect(await principalOf(store.tracing, token, undefined, () => false)).toEqual({ actor: row.id, role: 'health' });
        expect(await store.tracing.revokeToken(row.id)).toBeGreaterThan(0);
        await expect(principalOf(store.tracing, token, undefined, () => false)).rejects.toThrow(/revoked/);
        await rejectsWith(store.tracing.revokeToken("tok_' OR 1=1 --"), 'not-found');
        await rejectsWith(issueToken(store.tracing, { role: 'venue', venueId: 'v_missing', now: 1 }), 'not-found');
        expect((await store.tracing.listTokens()).map((t) => t.id)).toEqual([row.id]);
      }),
    );

    it(
      'appends audit records in order and refuses to change them',
      withStore(factory, async ({ store }) => {
        const base = { actor: 'tok_1', role: 'health' as const, action: 'trace' as const, subjectHash: 'h', fromMs: 1, toMs: 2, detail: { depth: 1 } };
        const a = await store.tracing.appendAudit({ ...base, at: 10, resultCount: 3 });
        const b = await store.tracing.appendAudit({ ...base, at: 11, resultCount: 4 });
        expect(b.seq).toBeGreaterThan(a.seq);
        expect(await store.tracing.listAudit()).toEqual([a, b]);
        expect(await store.tracing.listAudit({ afterSeq: a.seq })).toEqual([b]);
      }),
    );

    it(
      'follows one person through QR pairs and registry links, and finds entries by any identifier',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const cmnd = { type: 'cmnd' as const, id: '025123456' };
        const qid: Subject = { type: 'qid', id: 'QR000001123456' };
        await store.ingestBatch(
          device,
          batchOf([
            wireEntry(1, { recordedAt: T, subject: cccd('079303001234'), altSubject: cmnd }),
            wireEntry(2, { recordedAt: T + 5 * MIN, subject: qid }),
            wireEntry(3, { recordedAt: T + 10 * MIN, subject: cccd('001203004567') }),
          ]),
        );
        await store.tracing.linkIdentities([
          { personId: 'p1', subject: qid, source: 'seed' },
          { personId: 'p1', subject: cccd('079303001234'), source: 'seed' },
        ]);
        const ids = await store.tracing.identitiesOf([cmnd]);
        expect(ids.map((s) => `${s.type}:${s.id}`).sort()).toEqual(['cccd:079303001234', 'cmnd:025123456', 'qid:QR000001123456']);
        // Several people in one question: each group answered alone, in the order asked.
        const each = await store.tracing.identitiesOfEach([[cccd('001203004567')], [qid], []]);
        expect(each.map((g) => g.map((s) => `${s.type}:${s.id}`).sort())).toEqual([['cccd:001203004567'], ['cccd:079303001234', 'cmnd:025123456', 'qid:QR000001123456'], []]);
        const byCmnd = await store.tracing.entriesOf({ kind: 'subjects', subjects: [cmnd] }, T - MIN, T + MIN);
        expect(byCmnd.map((e) => e.subject)).toEqual([cccd('079303001234')]);
        expect(byCmnd[0]?.altSubject).toEqual(cmnd);
        const all = await store.tracing.entriesOf({ kind: 'subjects', subjects: ids }, T - MIN, T + 60 * MIN);
        expect(all.map((e) => e.at)).toEqual([T, T + 5 * MIN]);
        expect((await store.tracing.personIdsOf([qid, cccd('001203004567')])).get('qid:QR000001123456')).toBe('p1');
        // Every identifier registered to a person; an unknown person id has none.
        const registered = await store.tracing.subjectsOfPersons(['p1', "p2' OR '1'='1"]);
        expect([...registered.keys()]).toEqual(['p1']);
        expect((registered.get('p1') ?? []).map((s) => `${s.type}:${s.id}`).sort()).toEqual(['cccd:079303001234', 'qid:QR000001123456']);
        // SQL metacharacters are values, never SQL.
        expect(await store.tracing.entriesOf({ kind: 'subjects', subjects: [cccd("0' OR '1'='1")] }, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
      }),
    );

    it(
      'reads a venue by effective time: an entry re-timed by an anchor is found where it really happened',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        await store.ingestBatch(device, batchOf([wireEntry(1, { recordedAt: 0, clockSynced: false, monoMs: 1000, correctedAt: T, subject: cccd('079303001234') }), wireEntry(2, { recordedAt: T + MIN })]));
        const at = await store.tracing.entriesInWindows([{ venueId: device.venueId, fromMs: T - MIN, toMs: T + 2 * MIN }]);
        expect(at.map((e) => e.at).sort((a, b) => a - b)).toEqual([T, T + MIN]);
        expect(await store.tracing.entriesInWindows([{ venueId: device.venueId, fromMs: -MIN, toMs: MIN }])).toEqual([]);
      }),
    );

    it(
      'reads several venue windows in one call and says which venues have exit scans on the days of a range',
      withStore(factory, async ({ store }) => {
        const a = await enrolled(store);
        const b = await enrolled(store);
        await store.ingestBatch(
          a,
          batchOf([
            wireEntry(1, { recordedAt: T }),
            wireEntry(2, { recordedAt: T + 60 * MIN }),
            wireEntry(3, { recordedAt: T + 120 * MIN, direction: 'out' }),
            // A clock years off, re-timed: found where it happened, not where the kiosk's clock put it.
            wireEntry(4, { recordedAt: 5 * MIN, clockSynced: false, correctedAt: T + 110 * MIN }),
          ]),
        );
        await store.ingestBatch(b, batchOf([wireEntry(1, { recordedAt: T + 30 * MIN })]));
        const got = await store.tracing.entriesInWindows([
          { venueId: a.venueId, fromMs: T - MIN, toMs: T + MIN },
          { venueId: a.venueId, fromMs: T + 100 * MIN, toMs: T + 130 * MIN },
          { venueId: b.venueId, fromMs: T, toMs: T + 60 * MIN },
        ]);
        expect(got.map((e) => [e.venueId, e.at, e.direction]).sort()).toEqual(
          [
            [a.venueId, T, 'in'],
            [a.venueId, T + 110 * MIN, 'in'],
            [a.venueId, T + 120 * MIN, 'out'],
            [b.venueId, T + 30 * MIN, 'in'],
          ].sort(),
        );
        expect(await store.tracing.entriesInWindows([])).toEqual([]);
        const range = (venueId: string, fromMs: number) => ({ venueId, fromMs, toMs: fromMs + 60 * MIN });
        expect(await store.tracing.venuesWithExits([range(a.venueId, T), range(b.venueId, T)])).toEqual(new Set([a.venueId]));
        expect(await store.tracing.venuesWithExits([range(a.venueId, T + 3 * 86_400_000)])).toEqual(new Set());
      }),
    );

    it(
      'traces a case to its contact at one venue, not the case nor a stranger at another venue',
      withStore(factory, async ({ store }) => {
        const a = await enrolled(store);
        const b = await enrolled(store);
        await store.ingestBatch(a, batchOf([wireEntry(1, { recordedAt: T, subject: cccd('079303001234') }), wireEntry(2, { recordedAt: T + 10 * MIN, subject: cccd('001203004567') })]));
        await store.ingestBatch(b, batchOf([wireEntry(1, { recordedAt: T + 5 * MIN, subject: cccd('048190007890') })]));
        const r = await traceCase(store, { keys: { kind: 'subjects', subjects: [cccd('079303001234')] }, subject: cccd('079303001234'), fromMs: T - 60 * MIN, toMs: T + 60 * MIN, marginMs: 30 * MIN, depth: 1 });
        expect(r.visits.map((v) => v.venueId)).toEqual([a.venueId]);
        expect(r.contacts.map((c) => [c.subject?.id, c.venueId])).toEqual([['001203004567', a.venueId]]);
      }),
    );

    it(
      'finds sealed entries by blind index only',
      withStore(factory, async ({ store }) => {
        const device = await enrolled(store);
        const blind = 'A'.repeat(22);
        await store.ingestBatch(device, batchOf([wireEntry(1, { recordedAt: T, subject: null, sealedSubject: 'x'.repeat(80), blindIndex: ['B'.repeat(22), blind] })]));
        const found = await store.tracing.entriesOf({ kind: 'blind', indexes: [blind] }, T - MIN, T + MIN);
        expect(found.map((e) => [e.subject, e.sealedSubject?.length, e.blindIndex, e.blindAlt])).toEqual([[null, 80, 'B'.repeat(22), blind]]);
        expect((await store.listEntries())[0]?.blindIndex).toEqual(['B'.repeat(22), blind]);
      }),
    );
  });
}
