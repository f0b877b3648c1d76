import { describe, expect, it } from 'vitest';
import type { Subject } from '../../common/wire.ts';
import type { TraceEntry } from '../store/tracing.ts';
import { fakeStore, min, scan, T0 } from '../../test/helpers/tracing.ts';
import { KeyUnion, overlapMs, presencesOf } from './presence.ts';
import { traceCsv } from './trace-csv.ts';
import { parseDwell, parseTraceParams, parseWindow, traceCase, type TraceQuery } from './tracing.ts';

const cccd = (id: string): Subject => ({ type: 'cccd', id });
const CASE = cccd('079303001234');
const CONTACT = cccd('001203004567');
const STRANGER = cccd('048190007890');

const query = (subject: Subject, overrides: Partial<TraceQuery> = {}): TraceQuery => ({
  keys: { kind: 'subjects', subjects: [subject] },
  subject,
  fromMs: T0 - min(600),
  toMs: T0 + min(600),
  marginMs: min(30),
  depth: 1,
  ...overrides,
});

describe('presences', () => {
  const e = (atMin: number, direction: 'in' | 'out', who = 'a') => scan('A', atMin, cccd(who === 'a' ? '079303001234' : '001203004567'), { direction });
  const keyOf = (x: TraceEntry) => x.subject?.id;

  it('closes an entry with the next exit, else after the dwell time', () => {
    const p = presencesOf([e(0, 'in'), e(20, 'out'), e(100, 'in')], keyOf, min(60));
    expect(p.map((x) => [(x.from - T0) / 60_000, (x.to - T0) / 60_000, x.exitSeen])).toEqual([
      [0, 20, true],
      [100, 160, false],
    ]);
  });

  it('ends an unclosed stay at the next entry and stands an exit-only scan for the dwell before it', () => {
    const p = presencesOf([e(0, 'in'), e(30, 'in'), e(300, 'out')], keyOf, min(60), min(120));
    expect(p.map((x) => [(x.from - T0) / 60_000, (x.to - T0) / 60_000])).toEqual([
      [0, 30],
      [30, 90],
      [240, 300],
    ]);
  });

  it('measures overlaps and never counts touching intervals', () => {
    expect(overlapMs({ from: 0, to: 10 }, { from: 5, to: 20 })).toBe(5);
    expect(overlapMs({ from: 0, to: 10 }, { from: 10, to: 20 })).toBe(0);
  });

  it('joins keys into people', () => {
    const u = new KeyUnion();
    u.union('cccd:1', 'cmnd:2');
    u.union('cmnd:2', 'p:x');
    expect(u.find('cccd:1')).toBe(u.find('p:x'));
    expect(u.find('qid:9')).not.toBe(u.find('cccd:1'));
  });
});

describe('traceCase', () => {
  it('lists a contact at the same venue, never the case itself nor a stranger elsewhere', async () => {
    const store = fakeStore([scan('A', 0, CASE), scan('A', 10, CONTACT), scan('B', 5, STRANGER)], { A: 'market', B: 'market' });
    const r = await traceCase(store, query(CASE));
    expect(r.visits).toEqual([expect.objectContaining({ venueId: 'A', venueKind: 'market', exitSeen: false })]);
    expect(r.contacts).toEqual([expect.objectContaining({ subject: CONTACT, venueId: 'A', degree: 'F1', overlapMs: min(60) })]);
  });

  it('widens a visit by the margin and uses the dwell time of the venue kind', async () => {
    // Market: 60 min dwell. The case is there 0-60; a person arriving at 80 overlaps only with a margin of 30.
    const store = fakeStore([scan('A', 0, CASE), scan('A', 80, CONTACT)], { A: 'market' });
    expect((await traceCase(store, query(CASE, { marginMs: 0 }))).contacts).toEqual([]);
    expect((await traceCase(store, query(CASE))).contacts).toEqual([expect.objectContaining({ overlapMs: min(10) })]);
    // A hospital keeps people 120 min: the same arrival overlaps without a margin.
    const hospital = fakeStore([scan('A', 0, CASE), scan('A', 80, CONTACT)], { A: 'hospital' });
    expect((await traceCase(hospital, query(CASE, { marginMs: 0 }))).contacts).toEqual([expect.objectContaining({ overlapMs: min(40) })]);
  });

  it('ends a visit at its exit scan', async () => {
    const store = fakeStore([scan('A', 0, CASE), scan('A', 5, CASE, { direction: 'out' }), scan('A', 50, CONTACT)], { A: 'hospital' });
    const r = await traceCase(store, query(CASE));
    expect(r.visits[0]).toMatchObject({ exitSeen: true, to: new Date(T0 + min(5)).toISOString() });
    expect(r.contacts).toEqual([]);
  });

  it('finds a case known by its old CMND and does not list its CCCD scans as a contact', async () => {
    const cmnd: Subject = { type: 'cmnd', id: '025123456' };
    const store = fakeStore([scan('A', 0, CASE, { altSubject: cmnd }), scan('B', 200, CASE), scan('B', 210, CONTACT)], { A: 'market', B: 'market' });
    const r = await traceCase(store, query(cmnd));
    expect(r.visits.map((v) => v.venueId)).toEqual(['A', 'B']);
    expect(r.contacts.map((c) => c.subject)).toEqual([CONTACT]);
  });

  it('follows the person registry: a case known by QID is found under its CCCD, and a contact scanned twice is one', async () => {
    const qid: Subject = { type: 'qid', id: 'QR000001123456' };
    const contactQid: Subject = { type: 'qid', id: 'QR000002654321' };
    const store = fakeStore(
      [scan('A', 0, CASE), scan('A', 10, CONTACT), scan('A', 40, contactQid)],
      { A: 'hospital' },
      [
        ['p1', CASE],
        ['p1', qid],
        ['p2', CONTACT],
        ['p2', contactQid],
      ],
    );
    const r = await traceCase(store, query(qid));
    expect(r.contacts).toEqual([expect.objectContaining({ subject: CONTACT, degree: 'F1' })]);
  });

  it('names a contact who showed only a QID by the CCCD the person registry holds, and one the registry does not know by what they showed', async () => {
    const contactQid: Subject = { type: 'qid', id: 'QR000002654321' };
    const unknownQid: Subject = { type: 'qid', id: 'QR000003777777' };
    const store = fakeStore([scan('A', 0, CASE), scan('A', 10, contactQid), scan('A', 20, unknownQid)], { A: 'market' }, [
      ['p2', CONTACT],
      ['p2', contactQid],
    ]);
    const r = await traceCase(store, query(CASE));
    expect(r.contacts.map((c) => c.subject)).toEqual([CONTACT, unknownQid]);
  });

  it('with depth 2 marks contacts of contacts F2, without repeating the case or an F1', async () => {
    const f2 = cccd('031195001111');
    const store = fakeStore([scan('A', 0, CASE), scan('A', 10, CONTACT), scan('B', 200, CONTACT), scan('B', 210, f2), scan('B', 220, CASE)], { A: 'market', B: 'market' });
    const r = await traceCase(store, query(CASE, { depth: 2 }));
    expect(r.contacts.map((c) => [c.degree, c.subject?.id, c.venueId])).toEqual([
      ['F1', CONTACT.id, 'A'],
      ['F1', CONTACT.id, 'B'],
      ['F1', f2.id, 'B'],
    ]);
    const deeper = fakeStore([scan('A', 0, CASE), scan('A', 10, CONTACT), scan('B', 200, CONTACT), scan('B', 210, f2)], { A: 'market', B: 'market' });
    const r2 = await traceCase(deeper, query(CASE, { depth: 2 }));
    expect(r2.contacts.map((c) => [c.degree, c.subject?.id])).toEqual([
      ['F1', CONTACT.id],
      ['F2', f2.id],
    ]);
  });

  it('with depth 2 never lists an F1 again as an F2 under another identifier of theirs', async () => {
    const f2 = cccd('031195001111');
    const contactQid: Subject = { type: 'qid', id: 'QR000002654321' };
    // The F1 showed the CCCD beside the case at A, then the PC-COVID QR at B; the registry links them.
    const store = fakeStore([scan('A', 0, CASE), scan('A', 10, CONTACT), scan('B', 200, contactQid), scan('B', 210, f2)], { A: 'market', B: 'market' }, [
      ['p2', CONTACT],
      ['p2', contactQid],
    ]);
    const r = await traceCase(store, query(CASE, { depth: 2 }));
    expect(r.contacts.map((c) => [c.degree, c.subject?.id, c.venueId])).toEqual([
      ['F1', CONTACT.id, 'A'],
      ['F2', f2.id, 'B'],
    ]);
  });

  it('traces by blind index and hands back sealed contacts to open', async () => {
    const store = fakeStore(
      [scan('A', 0, null, { sealedSubject: 'S1', blindIndex: 'a'.repeat(22) }), scan('A', 10, null, { sealedSubject: 'S2', blindIndex: 'b'.repeat(22) })],
      { A: 'market' },
    );
    const r = await traceCase(store, { ...query(CASE), keys: { kind: 'blind', indexes: ['a'.repeat(22)] }, subject: null });
    expect(r.contacts).toEqual([expect.objectContaining({ subject: null, sealed: { entryId: expect.any(String), sealedSubject: 'S2' } })]);
  });
});

describe('trace parameters', () => {
  const ok = { subject: 'cccd:079303001234', from: '2021-09-01', to: '2021-09-02' };
  it('reads a subject with spaces, a bare date as Vietnam midnight, and defaults', () => {
    const q = parseTraceParams({ ...ok, subject: 'CCCD:079 303 001 234' });
    expect(q).toMatchObject({ subject: CASE, fromMs: Date.UTC(2021, 7, 31, 17), marginMs: min(30), depth: 1 });
  });

  it.each([
    [{ ...ok, subject: 'ssn:123' }, /subject: unknown subject type "ssn"/],
    [{ ...ok, subject: 'cccd:12345' }, /subject: a cccd number is 12 digits/],
    [{ ...ok, subject: "cccd:0793' OR 1=1 --" }, /subject: a cccd number is 12 digits/],
    [{ ...ok, subject: 'x'.repeat(10_000) }, /subject: too long/],
    [{ ...ok, from: '2021-09-03' }, /from: must be before to/],
    [{ ...ok, to: '2021-10-30' }, /to: the window is longer than the 21-day retention/],
    [{ ...ok, from: 'yesterday' }, /from: "yesterday" is not an ISO date/],
    [{ ...ok, marginMin: '-5' }, /margin: minutes 0-1440/],
    [{ ...ok, depth: '3' }, /depth: 1 \(contacts\)/],
    [{ from: ok.from, to: ok.to }, /subject: give exactly one/],
    [{ ...ok, subject: undefined, blind: 'not;an,index' }, /blind: a comma-separated list/],
  ])('refuses %j naming the field', (raw, message) => {
    expect(() => parseTraceParams(raw)).toThrow(message);
  });

  it('refuses a window longer than a shorter retention', () => {
    expect(() => parseWindow('2021-09-01', '2021-09-09', 7)).toThrow(/7-day retention/);
  });

  it('reads dwell overrides and refuses unknown kinds', () => {
    expect(parseDwell('market=90').market).toBe(90);
    expect(() => parseDwell('casino=90')).toThrow(/dwell: "casino=90"/);
  });
});

describe('trace CSV', () => {
  it('starts with a BOM, has Vietnamese headers, Vietnam times, and defuses formulas', async () => {
    const store = fakeStore([scan('A', 0, CASE), scan('A', 10, CONTACT)], { A: 'market' });
    const r = await traceCase(store, query(CASE));
    r.contacts[0] = { ...(r.contacts[0] as (typeof r.contacts)[number]), venueName: '=HYPERLINK("x")' };
    const csv = traceCsv(r);
    expect(csv.startsWith('\uFEFFMức tiếp xúc,Loại giấy tờ,Số giấy tờ')).toBe(true);
    expect(csv).toContain(`F1,cccd,${CONTACT.id},A,"'=HYPERLINK(""x"")",01/09/2021 08:10,60`);
  });
});
