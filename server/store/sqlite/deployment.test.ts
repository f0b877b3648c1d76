import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../common/migrate.ts';
import { heartbeat } from '../../../test/helpers/deployment.ts';
import { SERVER_MIGRATIONS, SqliteStore } from './sqlite-store.ts';

describe('server migration 0090-deployment', () => {
  it('keeps existing venues, without a location, and reads a province through the location index', () => {
    const db = new Database(':memory:');
    const before = SERVER_MIGRATIONS.filter((m) => m.version < 90).at(-1)?.version ?? 0;
    migrate(db, SERVER_MIGRATIONS, 'server', before);
    db.prepare("INSERT INTO venues (id, name, kind, created_at) VALUES ('v_1', 'Chợ cũ', 'market', 0)").run();
    expect(migrate(db, SERVER_MIGRATIONS, 'server', 90)).toBe(90);
    expect(db.prepare('SELECT name, province_code, district_code, commune_code FROM venues').get()).toEqual({ name: 'Chợ cũ', province_code: null, district_code: null, commune_code: null });
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM venues WHERE province_code = ? AND district_code = ?').all('46', '474') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/venues_location/);
    const batches = db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM batches WHERE device_id = ? AND received_at >= ? AND received_at < ?').all('d', 0, 1) as Array<{ detail: string }>;
    expect(batches.map((p) => p.detail).join(' ')).toMatch(/batches_device_time/);
  });

  it("keeps one heartbeat row per device and hour, with the hour's largest backlog age; the latest beat whole", async () => {
    const store = new SqliteStore(':memory:');
    const { device } = await store.enroll((await store.createVenue('Chợ', 'market')).enrollmentCode, 'A'.repeat(43), undefined);
    const beat = (at: number, age: number | null) => heartbeat(device.id, at, { backlog: { pending: 3, oldestPendingAgeMs: age } });
    await store.deployment.recordHeartbeat(device.id, 3600_000, beat(3600_000, 50));
    await store.deployment.recordHeartbeat(device.id, 3900_000, beat(3900_000, 20));
    await store.deployment.recordHeartbeat(device.id, 7300_000, beat(7300_000, null));
    expect(await store.deployment.heartbeatHistory(device.id, 10)).toEqual([
      { receivedAt: 7300_000, pending: 3, oldestPendingAgeMs: null, freeDiskMiB: 2048, clockOffsetMs: 0 },
      { receivedAt: 3900_000, pending: 3, oldestPendingAgeMs: 50, freeDiskMiB: 2048, clockOffsetMs: 0 },
    ]);
    expect((await store.deployment.fleet())[0]?.lastHeartbeat).toMatchObject({ receivedAt: 7300_000, appVersion: '0.1.0' });
    expect(await store.deployment.pruneHeartbeats(7200_000)).toBe(1);
    await store.close();
  });
});
