import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TimeAnchor } from '../../common/wire.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { heartbeat, vn, wireEntry } from '../helpers/deployment.ts';

/**
 * The DeploymentStore part of the store contract (issue 14): the same cases on every engine. Raw
 * figures only; the rules on top of them are unit-tested in server/services/deployment.test.ts.
 */
export interface DeploymentHarness {
  store: ServerStore;
  cleanup(): Promise<void>;
}

const publicKey = (): string => generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64url');
const HUE = { provinceCode: '46', districtCode: '474', communeCode: '19744' };
const PHONG_DIEN = { provinceCode: '46', districtCode: '476', communeCode: '19819' };
const HANOI = { provinceCode: '01', districtCode: '001', communeCode: '00001' };

export function deploymentStoreContract(engine: string, open: (now: () => number) => Promise<DeploymentHarness>): void {
  describe(`DeploymentStore contract: ${engine}`, () => {
    const clock = { t: vn(2021, 9, 20) };
    const with_ = async (work: (store: ServerStore) => Promise<void>) => {
      const h = await open(() => clock.t);
      try {
        await work(h.store);
      } finally {
        await h.cleanup();
      }
    };
    const kiosk = async (store: ServerStore, name: string, location: typeof HUE | null) => {
      const v = await store.createVenue(name, 'market');
      if (location) await store.deployment.setVenueLocation(v.venueId, location);
      const { device } = await store.enroll(v.enrollmentCode, publicKey(), undefined);
      return device;
    };

    it('places venues, lists them by province, and refuses an unknown venue', async () => {
      await with_(async (store) => {
        const a = await store.createVenue('<img src=x onerror=alert(1)>', 'hospital');
        const b = await store.createVenue('Chợ cũ', 'market');
        await store.deployment.setVenueLocation(a.venueId, HUE);
        // Both made at the same instant: compared by name.
        expect((await store.deployment.venues()).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
          { id: a.venueId, name: '<img src=x onerror=alert(1)>', kind: 'hospital', location: HUE },
          { id: b.venueId, name: 'Chợ cũ', kind: 'market', location: null },
        ].sort((x, y) => x.name.localeCompare(y.name)));
        expect((await store.deployment.venues({ provinceCode: '46' })).map((v) => v.id)).toEqual([a.venueId]);
        await expect(store.deployment.setVenueLocation('v_nope', HUE)).rejects.toMatchObject({ code: 'not-found' });
      });
    });

    it('keeps the latest heartbeat whole and one history row per hour; the fleet joins venue, heartbeat and last upload', async () => {
      await with_(async (store) => {
        const d = await kiosk(store, 'Chợ Đông Ba', HUE);
        const other = await kiosk(store, 'Chợ Đồng Xuân', HANOI);
        const h0 = vn(2021, 10, 1, 8);
        await store.deployment.recordHeartbeat(d.id, h0, heartbeat(d.id, h0, { backlog: { pending: 5, oldestPendingAgeMs: 60_000 } }));
        await store.deployment.recordHeartbeat(d.id, h0 + 600_000, heartbeat(d.id, h0 + 600_000, { backlog: { pending: 1, oldestPendingAgeMs: 10_000 } }));
        await store.deployment.recordHeartbeat(d.id, h0 + 3600_000, heartbeat(d.id, h0 + 3600_000, { appVersion: '0.2.0' }));
        clock.t = vn(2021, 10, 2, 9);
        await store.ingestBatch(d, { batchId: randomUUID(), deviceId: d.id, entries: [wireEntry(1, vn(2021, 10, 2, 8))], timeAnchors: [] });
        expect(await store.deployment.heartbeatHistory(d.id, 10)).toEqual([
          { receivedAt: h0 + 3600_000, pending: 0, oldestPendingAgeMs: null, freeDiskMiB: 2048, clockOffsetMs: 0 },
          { receivedAt: h0 + 600_000, pending: 1, oldestPendingAgeMs: 60_000, freeDiskMiB: 2048, clockOffsetMs: 0 },
        ]);
        const fleet = await store.deployment.fleet({ provinceCode: '46' });
        expect(fleet).toHaveLength(1);
        expect(fleet[0]).toMatchObject({ deviceId: d.id, venueName: 'Chợ Đông Ba', location: HUE, revokedAt: null, lastUploadAt: vn(2021, 10, 2, 9) });
        expect(fleet[0]?.lastHeartbeat).toMatchObject({ receivedAt: h0 + 3600_000, appVersion: '0.2.0', devices: { scanner: 'connected' } });
        expect((await store.deployment.fleet()).map((f) => f.deviceId).sort()).toEqual([d.id, other.id].sort());
        expect(await store.deployment.pruneHeartbeats(h0 + 3600_000)).toBe(1);
      });
    });

    it('keeps entries per day equal to a direct count after ingest, a replayed batch, re-sent entries and time anchors across midnight', async () => {
      await with_(async (store) => {
        clock.t = vn(2021, 10, 20);
        const a = await kiosk(store, 'A', HUE);
        // A second kiosk of the same venue: its counts are its own rows, summed per commune.
        const { device: a2 } = await store.enroll((await store.issueEnrollmentCode(a.venueId)).code, publicKey(), 'gate 2');
        const month = { provinceCode: '46', fromMs: vn(2021, 10, 1), toMs: vn(2021, 11, 1) };
        const direct = async (): Promise<Array<{ communeCode: string; date: string; entries: number }>> => {
          const perDay = new Map<string, number>();
          for (const e of await store.listEntries()) {
            const at = e.correctedAt ?? e.recordedAt;
            if (e.direction !== 'in' || at < month.fromMs || at >= month.toMs) continue;
            const date = new Date(at + 7 * 3600_000).toISOString().slice(0, 10);
            perDay.set(date, (perDay.get(date) ?? 0) + 1);
          }
          return [...perDay].sort().map(([date, entries]) => ({ communeCode: HUE.communeCode, date, entries }));
        };
        const figures = async () => (await store.deployment.deploymentFigures(month)).entriesPerDay;
        const send = (d: typeof a, entries: ReturnType<typeof wireEntry>[], timeAnchors: TimeAnchor[] = [], batchId = randomUUID()) =>
          store.ingestBatch(d, { batchId, deviceId: d.id, entries, timeAnchors });
        // Recorded with a clock two hours slow: 23:30 and 23:50 on 10 October are really 01:30 and 01:50 on the 11th.
        const slow = (seq: number, at: number) => ({ ...wireEntry(seq, at), bootId: 'boot-slow', clockSynced: false, monoMs: seq * 60_000 });
        const first = [wireEntry(1, vn(2021, 10, 10, 8)), wireEntry(2, vn(2021, 10, 10, 9), 'out'), slow(3, vn(2021, 10, 10, 23, 30)), slow(4, vn(2021, 10, 10, 23, 50))];
        const batchId = randomUUID();
        await send(a, first, [], batchId);
        await send(a2, [wireEntry(1, vn(2021, 10, 10, 10))]);
        expect(await figures()).toEqual([{ communeCode: HUE.communeCode, date: '2021-10-10', entries: 4 }]);
        expect(await figures()).toEqual(await direct());

        expect(await send(a, first, [], batchId)).toMatchObject({ replayed: true });
        expect(await send(a, first)).toMatchObject({ accepted: 0, duplicates: 4 });
        expect(await figures()).toEqual(await direct());
        expect(await figures()).toEqual([{ communeCode: HUE.communeCode, date: '2021-10-10', entries: 4 }]);

        // The anchor: mono 0 of boot-slow was 01:27 on the 11th, so seq 3 is 01:30 and seq 4 is 01:31.
        const anchor: TimeAnchor = { bootId: 'boot-slow', monoMs: 0, wallMs: vn(2021, 10, 11, 1, 27), source: 'server' };
        await send(a, [wireEntry(5, vn(2021, 10, 11, 9))], [anchor]);
        expect(await figures()).toEqual([
          { communeCode: HUE.communeCode, date: '2021-10-10', entries: 2 },
          { communeCode: HUE.communeCode, date: '2021-10-11', entries: 3 },
        ]);
        expect(await figures()).toEqual(await direct());
        // The same anchor again (a retried batch) changes nothing; a later one moves them back across midnight.
        await send(a, [wireEntry(6, vn(2021, 10, 11, 10))], [anchor]);
        expect(await figures()).toEqual(await direct());
        await send(a, [wireEntry(7, vn(2021, 10, 11, 11))], [{ ...anchor, wallMs: vn(2021, 10, 10, 23, 0) }]);
        expect(await figures()).toEqual([
          { communeCode: HUE.communeCode, date: '2021-10-10', entries: 4 },
          { communeCode: HUE.communeCode, date: '2021-10-11', entries: 3 },
        ]);
        expect(await figures()).toEqual(await direct());
        // A passage (gate opened or not) updates entries without moving any day.
        await store.applyPassages(a, [{ entryId: first[0]?.entryId ?? '', passed: true, at: vn(2021, 10, 10, 8, 1) }]);
        expect(await figures()).toEqual(await direct());
      });
    });

    it("gives a province-month's raw figures: located venues, venues that uploaded, entries per Vietnam day, last contacts, backlog", async () => {
      await with_(async (store) => {
        clock.t = vn(2021, 9, 20);
        const a = await kiosk(store, 'A', HUE);
        const b = await kiosk(store, 'B', PHONG_DIEN);
        const c = await kiosk(store, 'C', HANOI);
        await kiosk(store, 'D', null);
        const send = async (d: typeof a, at: number, entries: ReturnType<typeof wireEntry>[]) => {
          clock.t = at;
          await store.ingestBatch(d, { batchId: randomUUID(), deviceId: d.id, entries, timeAnchors: [] });
        };
        await send(a, vn(2021, 10, 1, 9), [wireEntry(1, vn(2021, 10, 1, 0, 0)), wireEntry(2, vn(2021, 10, 1, 8)), wireEntry(3, vn(2021, 10, 1, 9), 'out'), wireEntry(4, vn(2021, 9, 30, 23, 59))]);
        await send(a, vn(2021, 11, 1, 0, 30), [wireEntry(5, vn(2021, 10, 31, 23, 59)), wireEntry(6, vn(2021, 11, 1, 0, 0))]);
        await send(b, vn(2021, 9, 28), [wireEntry(1, vn(2021, 9, 28))]);
        await send(c, vn(2021, 10, 10), [wireEntry(1, vn(2021, 10, 10))]);
        await store.deployment.recordHeartbeat(b.id, vn(2021, 10, 30, 12), heartbeat(b.id, vn(2021, 10, 30, 12), { backlog: { pending: 9, oldestPendingAgeMs: 7_200_000 } }));
        const figures = await store.deployment.deploymentFigures({ provinceCode: '46', fromMs: vn(2021, 10, 1), toMs: vn(2021, 11, 1) });
        expect(figures.venues.map((v) => [v.venueId, v.communeCode, v.districtCode, v.kind]).sort()).toEqual(
          [
            [a.venueId, '19744', '474', 'market'],
            [b.venueId, '19819', '476', 'market'],
          ].sort(),
        );
        // A's batch of 1 November 00:30 is after the month: A uploaded in October through its first batch only.
        expect(figures.uploadedVenueIds).toEqual([a.venueId]);
        expect(figures.entriesPerDay).toEqual([
          { communeCode: '19744', date: '2021-10-01', entries: 2 },
          { communeCode: '19744', date: '2021-10-31', entries: 1 },
        ]);
        const byId = new Map(figures.devices.map((d) => [d.deviceId, d]));
        expect(byId.get(a.id)).toMatchObject({ communeCode: '19744', revokedAt: null, lastContactAt: vn(2021, 10, 1, 9), maxBacklogAgeMs: null });
        expect(byId.get(b.id)).toMatchObject({ communeCode: '19819', lastContactAt: vn(2021, 10, 30, 12), maxBacklogAgeMs: 7_200_000 });
        expect(byId.has(c.id)).toBe(false);
        expect(figures.unlocatedVenues).toBe(1);
        const district = await store.deployment.deploymentFigures({ provinceCode: '46', districtCode: '476', fromMs: vn(2021, 10, 1), toMs: vn(2021, 11, 1) });
        expect(district.venues.map((v) => v.venueId)).toEqual([b.venueId]);
        expect(district.entriesPerDay).toEqual([]);
      });
    });
  });
}
