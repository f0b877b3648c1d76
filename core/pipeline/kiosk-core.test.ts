import { afterEach, describe, expect, it, vi } from 'vitest';
import { KioskError } from '../../common/errors.ts';
import type { KioskEvent } from '../../common/events.ts';
import { wireEntrySchema } from '../../common/wire.ts';
import { cccdQr, makePeople } from '../../server/services/seed.ts';
import { startTestKiosk, stopAll, type TestKiosk } from '../../test/helpers/kiosk.ts';

type VerdictEvent = Extract<KioskEvent, { type: 'verdict' }>;
const isVerdict = (e: KioskEvent): e is VerdictEvent => e.type === 'verdict';
const people = makePeople(4, 7);

describe('KioskCore.process', () => {
  let kiosk: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kiosk, undefined);
    kiosk = undefined;
  });

  it('writes an entry that waited for the disk with its decision, while the guard alone was shown storage-degraded', async () => {
    kiosk = await startTestKiosk({ config: { policy: { offlineAction: 'allow' } } });
    const seenReasons: string[][] = [];
    const record = vi.spyOn(kiosk.running.outbox, 'record').mockImplementationOnce(() => {
      throw new KioskError('disk-full', 'test: the disk is full');
    });
    kiosk.scanner.emit(cccdQr(people[0]!));
    await kiosk.running.core.whenIdle();
    const first = kiosk.events.find(isVerdict);
    expect(first?.seq).toBeUndefined();
    expect(first?.reasons).toContain('storage-degraded');
    seenReasons.push([...(first?.reasons ?? [])]);

    // The next scan writes the waiting entry first, from the spill.
    record.mockRestore();
    kiosk.scanner.emit(cccdQr(people[1]!));
    await kiosk.running.core.whenIdle();

    const batch = kiosk.running.outbox.takeBatch(10, 1_000_000);
    const entries = wireEntrySchema.array().parse(JSON.parse(batch?.entriesJson ?? '[]'));
    expect(entries.map((e) => e.entryId)).toEqual(kiosk.events.filter(isVerdict).map((v) => v.entryId));
    // Broken when the entry shares the decision's reasons array and the shown reason is pushed onto it.
    expect(entries[0]?.reasons).toEqual(seenReasons[0]?.filter((r) => r !== 'storage-degraded'));
    expect(entries[0]?.reasons).not.toContain('storage-degraded');
    // The event the guard saw is a value too: writing the entry later did not change it.
    expect(first?.reasons).toEqual(seenReasons[0]);
  });

  it('adds timeout, once, to an unreadable scan the scanner cut short', async () => {
    kiosk = await startTestKiosk({ config: { duplicateWindowMs: 0 } });
    const scan = { source: 'fake', bytes: new TextEncoder().encode('garbage'), monoMs: performance.now(), framing: 'timeout' as const };
    await kiosk.running.core.submit(scan);
    const outcome = await kiosk.running.core.submit({ ...scan, monoMs: performance.now() });
    expect(outcome?.decision.reasons.filter((r) => r === 'timeout')).toEqual(['timeout']);
    expect(outcome?.decision.reasons).toContain('unreadable');
  });
});
