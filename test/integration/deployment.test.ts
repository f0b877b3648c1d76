import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentReport } from '../../server/services/deployment.ts';
import { issueToken } from '../../server/services/tokens.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { runKiosk } from '../helpers/cli.ts';
import { seedHue, type MovableClock } from '../helpers/deployment.ts';
import { startTestServer, tempDirRemovedAtExit, type TestServer } from '../helpers/server.ts';

describe('deployment report of Thừa Thiên Huế (46), October 2021', () => {
  const dbPath = join(tempDirRemovedAtExit('kiosk-deployment-'), 'server.db');
  let expected: Awaited<ReturnType<typeof seedHue>>['expected'];
  let server: TestServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const clock: MovableClock = { t: 0 };
    const store = new SqliteStore(dbPath, () => clock.t);
    ({ expected } = await seedHue(store, clock));
    await store.close();
    server = await startTestServer({}, dbPath);
    for (const role of ['ict', 'health'] as const) tokens[role] = (await issueToken(server.store.tracing, { role, now: Date.now() })).token;
  });
  afterAll(async () => server?.close());

  it('gives per-commune rows whose counts match what was seeded (kiosk server report deployment --json)', async () => {
    const run = await runKiosk(['server', 'report', 'deployment', '--db', dbPath, '--province', '46', '--month', '2021-10', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as DeploymentReport;
    expect(r.province).toEqual({ code: '46', name: 'Tỉnh Thừa Thiên Huế' });
    expect(r.communes).toHaveLength(145);
    for (const c of r.communes) {
      const want = expected[c.communeCode];
      const perDay = Object.fromEntries(r.days.map((d, i) => [d, c.entriesPerDay[i]]).filter(([, n]) => n !== 0));
      expect({ commune: c.communeCode, venues: c.venues, venuesUploaded: c.venuesUploaded, kiosks: c.kiosks, silentKiosks: c.silentKiosks, entries: c.entries, perDay }).toEqual({
        commune: c.communeCode,
        ...(want ?? { venues: 0, venuesUploaded: 0, kiosks: 0, silentKiosks: 0, entries: 0, perDay: {} }),
      });
    }
    const c19744 = r.communes.find((c) => c.communeCode === '19744');
    expect(c19744?.venuesByKind).toMatchObject({ market: 1, hospital: 1 });
    expect(r.communes.find((c) => c.communeCode === '19819')?.oldestBacklogMs).toBe(5 * 3600_000);
    expect(r.totals).toMatchObject({ communes: 145, communesWithoutVenue: 142, venues: 4, venuesUploaded: 3, entries: 7, silentKiosks: 1 });
    expect(r.totals.shareWithoutVenue).toBeCloseTo(142 / 145, 4);
    expect(r.unlocatedVenues).toBe(1);
    expect(r.districts.map((d) => d.districtCode)).toEqual(['474', '476', '477', '478', '479', '480', '481', '482', '483']);
  });

  it('narrows to one district and writes the CSV officials paste (BOM, Vietnamese headers, one row per commune)', async () => {
    const run = await runKiosk(['server', 'report', 'deployment', '--db', dbPath, '--province', '46', '--district', '474', '--month', '2021-10', '--csv']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('\uFEFFMã quận/huyện,Quận/huyện,Mã xã/phường,Xã/phường/thị trấn')).toBe(true);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1 + 27 + 1);
    expect(lines.find((l) => l.includes(',19744,'))).toMatch(/^474,Thành phố Huế,19744,Phường Phú Thuận,2,1,0,0,0,1,0,0,0,0,1,2,1,,5,3,/);
  });

  it('refuses a malformed month, a future month and codes that do not exist, naming the field', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--month', '2021-13'], /month: must be YYYY-MM/],
      [['--month', '2099-01'], /month: 2099-01 has not started yet/],
      [['--month', '2021-10', '--province', '99'], /province: province code 99 does not exist/],
      [['--month', '2021-10', '--district', '001'], /district: district 001 .* belongs to province 01, not 46/],
    ];
    for (const [args, message] of cases) {
      const run = await runKiosk(['server', 'report', 'deployment', '--db', dbPath, '--province', '46', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it('answers GET /v1/reports/deployment to an ict token only', async () => {
    const get = (token: string | undefined, query: string) =>
      fetch(`${server.url}/v1/reports/deployment?${query}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    const ok = await get(tokens.ict, 'province=46&month=2021-10');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as DeploymentReport).totals.entries).toBe(7);
    const csv = await get(tokens.ict, 'province=46&month=2021-10&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/bao-cao-trien-khai-46-2021-10\.csv/);
    // The bytes as sent: fetch's text() would drop the BOM a spreadsheet needs.
    expect([...new Uint8Array(await csv.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await get(tokens.health, 'province=46&month=2021-10')).status).toBe(403);
    expect((await get(undefined, 'province=46&month=2021-10')).status).toBe(401);
    const future = await get(tokens.ict, 'province=46&month=2099-01');
    expect(future.status).toBe(400);
    expect(await future.json()).toMatchObject({ error: { code: 'bad-request', message: expect.stringMatching(/^month:/) } });
    expect((await get(tokens.ict, "province=46'--&month=2021-10")).status).toBe(400);
  });
});

describe('venues where they are', () => {
  it('kiosk server venue add --commune places the venue; venues without one are "chưa có địa bàn"', async () => {
    const db = join(tempDirRemovedAtExit('kiosk-venue-'), 'server.db');
    const added = await runKiosk(['server', 'venue', 'add', '--db', db, '--name', 'Chợ Đông Ba', '--kind', 'market', '--commune', '19744', '--json']);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ location: { provinceCode: '46', districtCode: '474', communeCode: '19744' } });
    expect((await runKiosk(['server', 'venue', 'add', '--db', db, '--name', 'Cũ', '--kind', 'other'])).code).toBe(0);
    const wrong = await runKiosk(['server', 'venue', 'add', '--db', db, '--name', 'x', '--kind', 'market', '--commune', '19744', '--district', '001']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/district: commune 19744 \(Phường Phú Thuận\) belongs to district 474, not 001/);
    const missing = await runKiosk(['server', 'venue', 'add', '--db', db, '--name', 'x', '--kind', 'market', '--commune', '99999']);
    expect(missing.stderr).toMatch(/commune: commune code 99999 does not exist/);
    const list = await runKiosk(['server', 'venue', 'list', '--db', db]);
    expect(list.stdout).toMatch(/Chợ Đông Ba — Phường Phú Thuận, Thành phố Huế, Tỉnh Thừa Thiên Huế/);
    expect(list.stdout).toMatch(/Cũ — chưa có địa bàn/);
    // Refused codes left nothing behind.
    expect(list.stdout).toMatch(/^2 venues$/m);
  });
});
