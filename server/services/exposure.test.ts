import { describe, expect, it } from 'vitest';
import type { Subject } from '../../common/wire.ts';
import { fakeStore, min, scan, T0 } from '../../test/helpers/tracing.ts';
import { exposure, exposureCsv, parseCases } from './exposure.ts';

const cccd = (id: string): Subject => ({ type: 'cccd', id });
const A1 = cccd('079303000001');
const A2 = cccd('079303000002');
const P = (i: number) => cccd(`001203${String(i).padStart(6, '0')}`);
const window = { fromMs: T0 - min(600), toMs: T0 + min(600), marginMs: min(30) };

describe('exposure', () => {
  it('reaches back 12 hours only where exit scans exist: a long stay closed by an exit overlaps, a market visit hours earlier does not', async () => {
    const store = fakeStore(
      [
        // Hospital H has exit kiosks: P1 came in 10 hours before the case and scanned out after it arrived.
        scan('H', -600, P(1)),
        scan('H', 0, A1),
        scan('H', 15, P(1), { direction: 'out' }),
        scan('H', -300, P(2)),
        // Market M has none: P3 an hour and a half before (its dwell is 60 min), P4 during the case visit.
        scan('M', 200, A1),
        scan('M', 110, P(3)),
        scan('M', 210, P(4)),
      ],
      { H: 'hospital', M: 'market' },
    );
    const r = await exposure(store, [A1], window);
    expect(r.venues.map((v) => [v.venueId, v.exposed])).toEqual([
      ['H', 1],
      ['M', 1],
    ]);
  });

  it('ranks venues by exposed people, counts cases among the exposed, and gives first and last case visit', async () => {
    const store = fakeStore(
      [
        // Market M: case A1 at 0, case A2 at 20 (exposed by A1, and A1 by A2), three others.
        scan('M', 0, A1),
        scan('M', 20, A2),
        scan('M', 30, P(1)),
        scan('M', 40, P(2)),
        scan('M', 50, P(3)),
        // Office O: A1 at 300, one other, and one who came long after.
        scan('O', 300, A1),
        scan('O', 310, P(4)),
        scan('O', 900, P(5)),
        // Elsewhere, no case.
        scan('X', 0, P(6)),
      ],
      { M: 'market', O: 'office', X: 'market' },
    );
    const r = await exposure(store, [A1, A2, cccd('048190000009')], window);
    expect(r).toMatchObject({ cases: 3, casesWithVisits: 2 });
    expect(r.venues).toEqual([
      expect.objectContaining({ venueId: 'M', cases: 2, exposed: 5, exposedCases: 2, firstCaseVisit: new Date(T0).toISOString(), lastCaseVisit: new Date(T0 + min(20)).toISOString() }),
      expect.objectContaining({ venueId: 'O', cases: 1, exposed: 1, exposedCases: 0 }),
    ]);
    expect(exposureCsv(r).split('\r\n')[0]).toBe('\uFEFFMã địa điểm,Tên địa điểm,Loại địa điểm,Số ca bệnh đến,Số người phơi nhiễm,Trong đó là ca bệnh,Ca bệnh đến lần đầu (giờ VN),Ca bệnh đến lần cuối (giờ VN)');
  });
});

describe('cases list', () => {
  const where = (i: number) => `cases.txt line ${i + 1}`;
  it('skips comments and blanks, reads a BOM and CSV leftovers, and counts a repeated case once', () => {
    expect(parseCases(['\uFEFF# ca bệnh ngày 1/9', 'cccd:079303000001', '', 'CCCD:079 303 000 001', 'cmnd:025123456,Nguyễn Văn A'], where)).toEqual([A1, { type: 'cmnd', id: '025123456' }]);
  });

  it('names every broken line by number', () => {
    expect(() => parseCases(['cccd:079303000001', 'ssn:1', 'cccd:12', "cccd:1' OR '1'='1", 'x'.repeat(10_000)], where)).toThrow(
      /cases\.txt line 2: unknown subject type "ssn".*; cases\.txt line 3: a cccd number is 12 digits; cases\.txt line 4: a cccd number.*; cases\.txt line 5: longer than 200 characters/,
    );
  });

  it('reads 100,000 lines and refuses more', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `cccd:0793${String(i).padStart(8, '0')}`);
    expect(parseCases(lines, where)).toHaveLength(100_000);
    expect(() => parseCases([...lines, 'cccd:079399999999', 'cccd:079399999998'], where)).toThrow(/at most 100000 cases/);
  });

  it('refuses an empty list', () => {
    expect(() => parseCases(['# nothing', ''], where)).toThrow(/no case in the list/);
  });
});
