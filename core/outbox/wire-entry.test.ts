import { describe, expect, it } from 'vitest';
import { KioskError } from '../../common/errors.ts';
import { newEntry } from '../../test/helpers/entries.ts';
import { Outbox } from './outbox.ts';
import { wireEntryOf, type EntryRow } from './wire-entry.ts';

const ID = '0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b';
const idBytes = Uint8Array.from(ID.replaceAll('-', '').match(/../g) ?? [], (h) => parseInt(h, 16));

function row(overrides: Partial<EntryRow> = {}): EntryRow {
  return {
    seq: 7,
    boot: 1,
    entry_id: idBytes,
    recorded_at: 1_630_483_200_000,
    boot_id: 'boot-a',
    mono_ms: 5000.5,
    clock_synced: 1,
    direction: 'in',
    format: 'vn-cccd',
    verdict: 'allow',
    reasons: 'status-green',
    source: 'online',
    status: 'green',
    subject_type: 'cccd',
    subject_id: '079303001234',
    data_age_ms: null,
    latency_ms: 3.2,
    sealed_subject: null,
    alt_type: null,
    alt_id: null,
    blind_index: null,
    anchor_mono_ms: null,
    anchor_wall_ms: null,
    ...overrides,
  };
}

describe('wireEntryOf', () => {
  it('writes the fields in the wire order, with the optional ones left out when unset', () => {
    expect(JSON.stringify(wireEntryOf(row()))).toBe(
      `{"entryId":"${ID}","seq":7,"recordedAt":1630483200000,"bootId":"boot-a","monoMs":5000.5,"clockSynced":true,"direction":"in",` +
        '"format":"vn-cccd","verdict":"allow","reasons":["status-green"],"source":"online","status":"green",' +
        '"subject":{"type":"cccd","id":"079303001234"},"dataAgeMs":null,"latencyMs":3.2,"correctedAt":null,"sealedSubject":null}',
    );
  });

  it('splits the stored lists and keeps an empty reason list empty', () => {
    const e = wireEntryOf(row({ reasons: 'offline,offline-allow', subject_type: null, subject_id: null, sealed_subject: 'S'.repeat(40), blind_index: `${'a'.repeat(22)},${'b'.repeat(22)}` }));
    expect(e.reasons).toEqual(['offline', 'offline-allow']);
    expect(e.blindIndex).toEqual(['a'.repeat(22), 'b'.repeat(22)]);
    expect(e.subject).toBeNull();
    expect(wireEntryOf(row({ reasons: '' })).reasons).toEqual([]);
  });

  it('re-times an entry made with an unsynchronised clock from its boot anchor, and only such an entry', () => {
    const anchor = { anchor_mono_ms: 1000.25, anchor_wall_ms: 1_630_485_000_000 };
    // 1 630 485 000 000 + (5000.5 - 1000.25) = …004 000.25, rounded to the ms.
    expect(wireEntryOf(row({ clock_synced: 0, ...anchor })).correctedAt).toBe(1_630_485_004_000);
    expect(wireEntryOf(row({ clock_synced: 0, ...anchor, mono_ms: 5000.75 })).correctedAt).toBe(1_630_485_004_001);
    expect(wireEntryOf(row({ clock_synced: 1, ...anchor })).correctedAt).toBeNull();
    expect(wireEntryOf(row({ clock_synced: 0 })).correctedAt).toBeNull();
    expect(wireEntryOf(row({ clock_synced: 0 })).clockSynced).toBe(false);
  });

  it('carries a second identifier as its own object', () => {
    expect(wireEntryOf(row({ alt_type: 'cmnd', alt_id: '025123456' })).altSubject).toEqual({ type: 'cmnd', id: '025123456' });
  });

  it('refuses a row the server would refuse, naming its seq', () => {
    const bad = () => wireEntryOf(row({ direction: 'sideways' }));
    expect(bad).toThrow(KioskError);
    expect(bad).toThrow(/entry seq 7 does not match the wire schema \(direction: /);
    expect(bad).toThrow(expect.objectContaining({ code: 'outbox-corrupt' }));
    // Every problem, each under its full path.
    expect(() => wireEntryOf(row({ direction: 'sideways', subject_type: 'badge' }))).toThrow(/\(direction: [^;]+; subject\.type: /);
    expect(() => wireEntryOf(row({ reasons: Array.from({ length: 17 }, () => 'offline').join(',') }))).toThrow(/reasons/);
  });
});

describe('Outbox batches on the wire', () => {
  it('sends the bytes a server reads (a golden batch: field order, lists, re-timing, optional fields)', () => {
    const box = Outbox.open({ path: ':memory:', bootId: 'boot-a', nowMs: () => Date.UTC(2021, 8, 1, 9) });
    box.record(newEntry({ entryId: ID }));
    box.record(
      newEntry({
        entryId: '0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1c',
        clockSynced: false,
        monoMs: 5000,
        latencyMs: 12,
        reasons: [],
        subject: null,
        sealedSubject: 'S'.repeat(40),
        blindIndex: ['a'.repeat(22), 'b'.repeat(22)],
        dataAgeMs: 1500,
        verdict: 'warn',
        source: 'cache',
      }),
    );
    box.record(newEntry({ entryId: '0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1d', clockSynced: false, monoMs: 12345.678901234567, latencyMs: 0.07, reasons: ['offline', 'offline-allow'], altSubject: { type: 'cmnd', id: '025123456' }, direction: 'out' }));
    box.setTimeAnchor(1000.25, Date.UTC(2021, 8, 1, 8, 30), 'ntp');
    const common = '"recordedAt":1630483200000,"bootId":"boot-a"';
    expect(box.takeBatch(10, 1_000_000)?.entriesJson).toBe(
      '[' +
        `{"entryId":"${ID}","seq":1,${common},"monoMs":123.4,"clockSynced":true,"direction":"in","format":"vn-cccd","verdict":"allow","reasons":["status-green"],"source":"online","status":"green","subject":{"type":"cccd","id":"079303001234"},"dataAgeMs":null,"latencyMs":3.2,"correctedAt":null,"sealedSubject":null},` +
        `{"entryId":"0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1c","seq":2,${common},"monoMs":5000,"clockSynced":false,"direction":"in","format":"vn-cccd","verdict":"warn","reasons":[],"source":"cache","status":"green","subject":null,"dataAgeMs":1500,"latencyMs":12,"correctedAt":1630485004000,"sealedSubject":"${'S'.repeat(40)}","blindIndex":["${'a'.repeat(22)}","${'b'.repeat(22)}"]},` +
        `{"entryId":"0190a6b2-7c3d-7e4f-8a5b-6c7d8e9f0a1d","seq":3,${common},"monoMs":12345.678901234567,"clockSynced":false,"direction":"out","format":"vn-cccd","verdict":"allow","reasons":["offline","offline-allow"],"source":"online","status":"green","subject":{"type":"cccd","id":"079303001234"},"dataAgeMs":null,"latencyMs":0.07,"correctedAt":1630485011345,"sealedSubject":null,"altSubject":{"type":"cmnd","id":"025123456"}}` +
        ']',
    );
    box.close();
  });
});
