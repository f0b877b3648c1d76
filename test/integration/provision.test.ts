import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEnrollmentQr } from '../../common/enroll.ts';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { runKiosk, spawnKiosk, type KioskProcess } from '../helpers/cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const people = makePeople(30, 11).filter((p) => p.status === 'green');
const json = <T = Record<string, unknown>>(s: string) => JSON.parse(s) as T;
const listing = (dir: string) => readdirSync(dir).sort();

describe('from a venue to uploaded entries, through the command line only', () => {
  let server: KioskProcess | undefined;
  let kiosk: KioskProcess | undefined;
  afterEach(() => {
    kiosk?.proc.kill('SIGKILL');
    server?.proc.kill('SIGKILL');
  });

  it('venue → enrollment code (and QR) → kiosk provision → kiosk run with the fake scanner → kiosk server entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
    const db = join(dir, 'server.db');
    // The server's database exists before the server starts (a venue made offline by the administrator).
    const venue = await runKiosk(['server', 'venue', 'add', '--name', 'Bến xe Miền Đông', '--kind', 'bus-station', '--db', db, '--json']);
    expect(venue.code, venue.stderr).toBe(0);
    const { venueId } = json<{ venueId: string }>(venue.stdout);
    const seeded = new SqliteStore(db);
    await seedStatuses(seeded, people);
    await seeded.close();

    server = spawnKiosk(['server', 'start', '--port', '0', '--db', db]);
    const listening = (await new Promise<string>((resolve) => server!.proc.stdout!.once('data', (c: Buffer) => resolve(c.toString())))).trim();
    const url = json<{ listening: string }>(listening).listening;

    const qrPng = join(dir, 'enroll.png');
    const code = await runKiosk(['server', 'venue', 'code', '--venue', venueId, '--db', db, '--url', url, '--qr', qrPng, '--json']);
    expect(code.code, code.stderr).toBe(0);
    const issued = json<{ enrollmentCode: string; enrollmentQr: string }>(code.stdout);
    expect(issued.enrollmentQr).toBe(formatEnrollmentQr({ code: issued.enrollmentCode, serverUrl: url }));
    // The printed QR decodes to that text (the kiosk's camera reads it like any other code).
    const verify = await runKiosk(['verify', '--json', '--image', qrPng]);
    expect(json(verify.stdout)).toMatchObject({ text: issued.enrollmentQr, stages: { image: true } });

    const configPath = join(dir, 'kiosk', 'kiosk.json');
    (await import('node:fs')).mkdirSync(join(dir, 'kiosk'));
    // The technician scans the printed code with the kiosk's scanner (standard input here).
    const provisioned = await runKiosk(['provision', '--scan', '--config', configPath, '--json', '--timeout', '20'], `not the right code\n${issued.enrollmentQr}\n`);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const result = json<{ deviceId: string; keyFile: string; storePath: string }>(provisioned.stdout);
    expect(statSync(result.keyFile).mode & 0o777).toBe(0o600);

    const config = json<Record<string, unknown>>(readFileSync(configPath, 'utf8'));
    const payloads = people.slice(0, 5).map((p) => cccdQr(p));
    // A generous lookup budget: on a busy machine the first lookups can outlast the default, and an
    // offline decision is right for the kiosk but not what this test is about.
    const serverConfig = config.server as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...config, server: { ...serverConfig, statusBudgetMs: 5000 }, scanner: { kind: 'fake', replay: payloads, intervalMs: 20 } }));
    kiosk = spawnKiosk(['run', '--config', configPath, '--headless', '--events', '-']);
    await kiosk.waitFor((e) => e.type === 'uploaded' && e.toSeq === 5);
    kiosk.proc.kill('SIGTERM');
    await kiosk.exited;

    const entries = await runKiosk(['server', 'entries', '--db', db, '--json']);
    const listed = json<Array<{ deviceId: string; seq: number; format: string; verdict: string }>>(entries.stdout);
    expect(listed.filter((e) => e.deviceId === result.deviceId).map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(listed.every((e) => e.format === 'vn-cccd' && e.verdict === 'allow')).toBe(true);

    // The venue's own records, exported on the kiosk.
    const csv = await runKiosk(['export', '--config', configPath, '--from', '2020-01-01', '--to', '2100-01-01', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('seq,entryId,recordedAt,correctedAt,direction,format,verdict,reasons,source,status,subjectType,subjectId,sealed,uploaded');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^1,[0-9a-f-]{36},20\d\d-.*,in,vn-cccd,allow,status-green,online,green,cccd,\d{12},no,yes$/);
    const out = join(dir, 'export.json');
    expect((await runKiosk(['export', '--config', configPath, '--from', '2020-01-01', '--to', '2100-01-01', '--format', 'json', '--out', out])).code).toBe(0);
    expect(json<unknown[]>(readFileSync(out, 'utf8'))).toHaveLength(5);

    // Decommissioning: nothing pending, the server revokes the identity, key and records go.
    const retired = await runKiosk(['decommission', '--config', configPath, '--json']);
    expect(retired.code, retired.stderr).toBe(0);
    expect(json(retired.stdout)).toMatchObject({ deviceId: result.deviceId, isRevoked: true, lostEntries: 0 });
    expect(existsSync(result.keyFile)).toBe(false);
    expect(existsSync(result.storePath)).toBe(false);
    expect(json<Record<string, unknown>>(readFileSync(configPath, 'utf8')).device).toBeUndefined();
  });
});

describe('kiosk provision: bad input changes nothing', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const provision = (url: string, code: string, configPath: string, extra: string[] = []) => runKiosk(['provision', '--server', url, '--code', code, '--config', configPath, '--json', ...extra]);

  it.each([
    ['a wrong code', 'NOTACODE99', /enroll-code-invalid: .*not known/],
    ['an empty code', '  ', /enroll-code-invalid|bad-request|code/],
  ])('refuses %s, writing no file', async (_label, code, message) => {
    server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const r = await provision(server.url, code, join(dir, 'kiosk.json'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(listing(dir)).toEqual([]);
  });

  it('refuses an expired code and a reused one', async () => {
    const store = new SqliteStore(':memory:', () => Date.now() + 2 * 3_600_000);
    server = await startTestServer({ store });
    const expired = new SqliteStore(':memory:');
    // Issue with the real clock on the same database: create through the server's store with a 1 h TTL, seen 2 h later.
    await expired.close();
    const { enrollmentCode } = await store.createVenue('Chợ Bến Thành', 'market', -3_600_000);
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const r1 = await provision(server.url, enrollmentCode, join(dir, 'kiosk.json'));
    expect(r1.stderr).toMatch(/enroll-code-expired/);
    expect(listing(dir)).toEqual([]);
    const fresh = (await store.issueEnrollmentCode((await store.createVenue('Chợ Lớn', 'market')).venueId, 24 * 3_600_000)).code;
    expect((await provision(server.url, fresh, join(dir, 'a.json'))).code).toBe(0);
    const r2 = await provision(server.url, fresh, join(dir, 'b.json'));
    expect(r2.stderr).toMatch(/enroll-code-used: .*already used/);
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });

  it('names an unreachable server and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const r = await provision('http://127.0.0.1:9', 'ABCDEFGHJK', join(dir, 'kiosk.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/server-unreachable: enrollment at http:\/\/127.0.0.1:9 failed: .*nothing was changed/);
    expect(listing(dir)).toEqual([]);
  });

  it.each([
    ['a tampered config (not JSON)', '{"store": {"path": "k.db"}, "scanner": {"kind": "stdin"}, gate: fake}'],
    ['a half-written config', '{"store": {"path": "k.db"}, "scanner": {"ki'],
    ['a config with a wrong field', JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'laser' }, gate: { kind: 'fake' } })],
  ])('refuses to provision over %s and keeps it byte for byte', async (_label, text) => {
    server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const configPath = join(dir, 'kiosk.json');
    writeFileSync(configPath, text);
    const { enrollmentCode } = await server.store.createVenue('Trường THPT', 'school');
    const r = await provision(server.url, enrollmentCode, configPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config-invalid: .*kiosk.json/);
    expect(readFileSync(configPath, 'utf8')).toBe(text);
    expect(listing(dir)).toEqual(['kiosk.json']);
    // The code was not spent on a failed attempt.
    expect((await provision(server.url, enrollmentCode, join(dir, 'other.json'))).code).toBe(0);
  });

  it('re-provisions only when everything is uploaded, or with --force saying what is lost; the old identity is wiped', async () => {
    server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const configPath = join(dir, 'kiosk.json');
    const code = async () => (await server!.store.issueEnrollmentCode((await server!.store.createVenue('Nhà máy', 'factory')).venueId, 3_600_000)).code;
    const first = json<{ deviceId: string; keyFile: string; storePath: string }>((await provision(server.url, await code(), configPath)).stdout);
    // Record two entries offline (no server in the config's way: stdin scanner, server unreachable).
    const cfg = json<Record<string, unknown>>(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...cfg, server: { ...(cfg.server as object), url: 'http://127.0.0.1:9' } }));
    const run = await runKiosk(['run', '--config', configPath, '--headless', '--drain-ms', '0'], `${cccdQr(people[0]!)}\n${cccdQr(people[1]!)}\n`);
    expect(run.code, run.stderr).toBe(0);
    const before = readFileSync(configPath, 'utf8');

    const refused = await provision(server.url, await code(), configPath);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`belongs to device ${first.deviceId} with 2 entries not yet uploaded .*--force`));
    expect(readFileSync(configPath, 'utf8')).toBe(before);

    const forced = await provision(server.url, await code(), configPath, ['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const second = json<{ deviceId: string; keyFile: string; storePath: string; replaced: { deviceId: string; lostEntries: number } }>(forced.stdout);
    expect(second.replaced).toMatchObject({ deviceId: first.deviceId, lostEntries: 2 });
    expect(second.storePath).not.toBe(first.storePath);
    expect(existsSync(first.keyFile)).toBe(false);
    expect(existsSync(first.storePath)).toBe(false);
    expect(existsSync(second.keyFile)).toBe(true);
  });

  it('refuses to run with a private key readable by others, naming the fix', async () => {
    server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const configPath = join(dir, 'kiosk.json');
    const { enrollmentCode } = await server.store.createVenue('Văn phòng', 'office');
    const { keyFile } = json<{ keyFile: string }>((await provision(server.url, enrollmentCode, configPath)).stdout);
    chmodSync(keyFile, 0o644);
    const r = await runKiosk(['run', '--config', configPath, '--headless'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`key-permissions: device key ${keyFile} has mode 644; it must be 600: run \`chmod 600`));
  });

  it('decommission without a reachable server wipes nothing unless forced', async () => {
    server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'prov-'));
    const configPath = join(dir, 'kiosk.json');
    const { enrollmentCode } = await server.store.createVenue('Bệnh viện', 'hospital');
    const { keyFile } = json<{ keyFile: string }>((await provision(server.url, enrollmentCode, configPath)).stdout);
    const cfg = json<Record<string, unknown>>(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...cfg, server: { ...(cfg.server as object), url: 'http://127.0.0.1:9' } }));
    expect((await runKiosk(['run', '--config', configPath, '--headless', '--drain-ms', '0'], `${cccdQr(people[2]!)}\n`)).code).toBe(0);
    const r = await runKiosk(['decommission', '--config', configPath, '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 entries not yet uploaded .* could not be uploaded .*nothing was wiped/);
    expect(existsSync(keyFile)).toBe(true);
    const forced = await runKiosk(['decommission', '--config', configPath, '--timeout', '1', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(json(forced.stdout)).toMatchObject({ lostEntries: 1, isRevoked: false });
    expect(existsSync(keyFile)).toBe(false);
  });

  it('export refuses a reversed period and an unknown date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exp-'));
    const configPath = join(dir, 'kiosk.json');
    writeFileSync(configPath, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'fake' } }));
    const reversed = await runKiosk(['export', '--config', configPath, '--from', '2021-09-02', '--to', '2021-09-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--to .* must be after --from/);
    expect((await runKiosk(['export', '--config', configPath, '--from', 'yesterday', '--to', '2021-09-01'])).stderr).toMatch(/--from "yesterday" is not a date/);
    expect((await runKiosk(['export', '--config', configPath, '--from', '2021-09-01', '--to', '2021-09-02'])).stderr).toMatch(/has not recorded anything yet/);
  });
});
