import { afterEach, describe, expect, it } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { cccdQr, makePeople, pcCovidQr, seedStatuses } from '../../server/services/seed.ts';
import { startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

const people = makePeople(100, 11);
const green = people.filter((p) => p.status === 'green');
const red = people.filter((p) => p.status === 'red');
const isVerdict = (e: KioskEvent): e is Extract<KioskEvent, { type: 'verdict' }> => e.type === 'verdict';

describe('kiosk pipeline with the reference server', () => {
  let server: TestServer | undefined;
  let kiosk: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kiosk, server);
    [kiosk, server] = [undefined, undefined];
  });

  async function setup(): Promise<{ server: TestServer; kiosk: TestKiosk }> {
    server = await startTestServer();
    await seedStatuses(server.store, people);
    const device = await enrollDevice(server.store);
    kiosk = await startTestKiosk({ serverUrl: server.url, device });
    return { server, kiosk };
  }

  it('allows a declared person: stored before the verdict, gate pulsed, uploaded to the server', async () => {
    const { server, kiosk } = await setup();
    kiosk.scanner.emit(cccdQr(green[0]!));
    const verdict = await kiosk.waitFor(isVerdict);
    expect(verdict).toMatchObject({ format: 'vn-cccd', verdict: 'allow', reasons: ['status-green'], source: 'online' });
    const types = kiosk.events.map((e) => e.type);
    expect(types.indexOf('stored')).toBeLessThan(types.indexOf('verdict'));
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'closed');
    expect(kiosk.gate.pulses).toHaveLength(1);
    await kiosk.waitFor((e) => e.type === 'uploaded');
    const onServer = await server.store.listEntries();
    expect(onServer).toHaveLength(1);
    expect(onServer[0]).toMatchObject({ entryId: verdict.entryId, seq: verdict.seq, verdict: 'allow', subject: { type: 'cccd', id: green[0]!.cccd } });
  });

  it('denies a flagged person and keeps the gate shut', async () => {
    const { kiosk } = await setup();
    kiosk.scanner.emit(pcCovidQr(red[0]!, true));
    const verdict = await kiosk.waitFor(isVerdict);
    expect(verdict.verdict).toBe('deny');
    expect(verdict.reasons).toContain('status-red');
    expect(kiosk.gate.writes.filter((w) => w.isOn)).toHaveLength(0);
    expect(kiosk.indicator.history.at(-1)).toMatchObject({ color: 'red', sound: 'deny' });
  });

  it('denies a malformed payload as unreadable, then handles the next scan', async () => {
    const { kiosk } = await setup();
    kiosk.scanner.emit(Uint8Array.of(0xff, 0xfe, 0x00, 0x41));
    kiosk.scanner.emit(cccdQr(green[1]!));
    await kiosk.running.core.whenIdle();
    const verdicts = kiosk.events.filter(isVerdict);
    expect(verdicts.map((v) => [v.verdict, v.reasons[0]])).toEqual([
      ['deny', 'unreadable'],
      ['allow', 'status-green'],
    ]);
  });

  it('counts the same payload within 2 s as one scan', async () => {
    const { kiosk } = await setup();
    kiosk.scanner.emit(cccdQr(green[2]!));
    kiosk.scanner.emit(cccdQr(green[2]!));
    await kiosk.running.core.whenIdle();
    expect(kiosk.events.filter(isVerdict)).toHaveLength(1);
    expect(kiosk.events.filter((e) => e.type === 'duplicate')).toHaveLength(1);
  });

  it('keeps deciding from the offline rule while the server is down, and uploads once it returns', async () => {
    const { server: first, kiosk } = await setup();
    const port = Number(new URL(first.url).port);
    const dbPath = first.dbPath;
    await first.close();
    server = undefined;

    for (let i = 0; i < 3; i++) kiosk.scanner.emit(cccdQr(green[10 + i]!));
    await kiosk.running.core.whenIdle();
    const offline = kiosk.events.filter(isVerdict);
    expect(offline.map((v) => [v.verdict, v.source])).toEqual(Array(3).fill(['warn', 'offline']));
    expect(offline[0]!.reasons).toEqual(['offline', 'offline-warn']);
    expect(kiosk.running.outbox.stats().pending).toBe(3);

    // Same port: the kiosk's configured URL works again.
    server = await startTestServer({}, dbPath, port);
    expect(await kiosk.running.uploader!.drain(60_000)).toBe(true);
    expect(await server.store.countEntries()).toBe(3);
  });
});
