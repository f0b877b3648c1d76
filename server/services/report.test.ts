import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { WireEntry } from '../../common/wire.ts';
import { wireEntry } from '../../test/helpers/entries.ts';
import { enrollDevice } from '../../test/helpers/server.ts';
import { monthRange } from './report.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';

const vn = (iso: string) => Date.parse(`${iso}+07:00`);
const entry = (seq: number, at: number, over: Partial<WireEntry> = {}): WireEntry => wireEntry(seq, { recordedAt: at, ...over });

describe('venue report', () => {
  it('counts entries, exits and verdicts per Vietnam day of the month', async () => {
    const store = new SqliteStore(':memory:');
    const device = await enrollDevice(store);
    const d = (await store.device(device.deviceId))!;
    await store.ingestBatch(d, {
      batchId: uuidv7(),
      deviceId: d.id,
      timeAnchors: [],
      entries: [
        // 23:30 on 31 August in Hà Nội is still August: outside September.
        entry(1, vn('2021-08-31T23:30:00')),
        // 00:30 on 1 September Vietnam time is 17:30 UTC on 31 August: inside September.
        entry(2, vn('2021-09-01T00:30:00')),
        entry(3, vn('2021-09-01T09:00:00'), { verdict: 'deny', reasons: ['status-red', 'flag-f1'], status: 'red' }),
        entry(4, vn('2021-09-01T18:00:00'), { direction: 'out', reasons: ['exit-recorded'], subject: { type: 'cccd', id: '079303000002' } }),
        entry(5, vn('2021-09-02T08:00:00'), { verdict: 'deny', reasons: ['unreadable'], subject: null, format: 'unknown', source: 'none' }),
        entry(6, vn('2021-09-02T08:05:00'), { verdict: 'warn', reasons: ['offline', 'offline-warn'], source: 'offline' }),
        // Recorded with a clock a month behind; the repaired time puts it in September.
        entry(7, vn('2021-08-02T10:00:00'), { clockSynced: false, correctedAt: vn('2021-09-02T10:00:00') }),
      ],
    });
    const report = await store.report(device.venueId, { month: '2021-09' });
    expect(report.period).toEqual({ from: '2021-09-01', to: '2021-09-30', timezone: 'Asia/Ho_Chi_Minh' });
    expect(report.days.map((x) => [x.date, x.entries, x.exits, x.allowed, x.denied, x.warned, x.unreadable, x.offlineDecisions])).toEqual([
      ['2021-09-01', 2, 1, 2, 1, 0, 0, 0],
      ['2021-09-02', 3, 0, 1, 1, 1, 1, 1],
    ]);
    expect(report.totals).toMatchObject({ entries: 5, exits: 1, allowed: 3, denied: 2, warned: 1 });
    expect(report.devices).toEqual([{ deviceId: device.deviceId, entries: 6, gaps: [] }]);
    expect((await store.report(device.venueId, { date: '2021-08-31' })).totals.entries).toBe(1);
  });

  it('refuses malformed periods and unknown venues', async () => {
    const store = new SqliteStore(':memory:');
    expect(() => monthRange('2021-13')).toThrow(/YYYY-MM/);
    await expect(store.report('v_nope', { month: '2021-09' })).rejects.toThrow(/does not exist/);
    const { venueId } = await store.createVenue('x', 'market');
    await expect(store.report(venueId, { date: '2021-02-30' })).rejects.toThrow(/YYYY-MM-DD/);
  });
});
