import type Database from 'better-sqlite3';
import { serverPublicKeyOf } from '../../server/store/rules.ts';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { generateAuthorityKey, unsealSubject } from '../../core/privacy/seal.ts';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

const people = makePeople(400, 21).filter((p) => p.status === 'green');
const isVerdict = (e: KioskEvent): e is Extract<KioskEvent, { type: 'verdict' }> => e.type === 'verdict';
const dbOf = (k: TestKiosk) => (k.running.outbox as unknown as { db: Database.Database }).db;

describe('durability and privacy', () => {
  let server: TestServer | undefined;
  let kiosk: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kiosk, server);
    [kiosk, server] = [undefined, undefined];
  });

  it('keeps deciding when the disk is full, says so, and stores the waiting entries once it has room', async () => {
    kiosk = await startTestKiosk({ config: { policy: { offlineAction: 'allow' } } });
    const db = dbOf(kiosk);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 150; i++) kiosk.scanner.emit(cccdQr(people[i]!));
    await kiosk.running.core.whenIdle();
    const verdicts = kiosk.events.filter(isVerdict);
    expect(verdicts).toHaveLength(150);
    const errors = kiosk.events.filter((e) => e.type === 'error').map((e) => (e as { code: string }).code);
    expect(errors).toContain('disk-full');
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'storage', state: 'full' }));
    const unstored = verdicts.filter((v) => v.seq === undefined);
    expect(unstored.length).toBeGreaterThan(0);
    expect(unstored.every((v) => v.reasons.includes('storage-degraded'))).toBe(true);

    db.pragma('max_page_count = 1073741823');
    kiosk.scanner.emit(cccdQr(people[200]!));
    await kiosk.running.core.whenIdle();
    // Every verdict the guard saw is now in the outbox, in scan order, under its printed entry id.
    const stored = kiosk.events.filter((e) => e.type === 'stored').map((e) => (e as { entryId: string }).entryId);
    expect(new Set(stored)).toEqual(new Set(kiosk.events.filter(isVerdict).map((v) => v.entryId)));
    expect(kiosk.running.outbox.stats().lastSeq).toBe(151);
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'storage', state: 'ok' }));
  });

  it('reports a read-only store and recovers when it is writable again', async () => {
    kiosk = await startTestKiosk({ config: { policy: { offlineAction: 'allow' } } });
    const db = dbOf(kiosk);
    db.pragma('query_only = 1');
    kiosk.scanner.emit(cccdQr(people[1]!));
    await kiosk.running.core.whenIdle();
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'error', code: 'disk-read-only' }));
    expect(kiosk.events.filter(isVerdict)[0]).toMatchObject({ verdict: 'allow' });
    db.pragma('query_only = 0');
    kiosk.scanner.emit(cccdQr(people[2]!));
    await kiosk.running.core.whenIdle();
    expect(kiosk.running.outbox.stats().lastSeq).toBe(2);
  });

  it('seals subjects to the health authority: not on the SD card, not readable by the venue, readable by the authority', async () => {
    server = await startTestServer();
    await seedStatuses(server.store, people);
    const authority = generateAuthorityKey();
    kiosk = await startTestKiosk({ serverUrl: server.url, device: await enrollDevice(server.store), config: { privacy: { sealSubjectTo: authority.publicKey } } });
    kiosk.scanner.emit(cccdQr(people[3]!));
    const verdict = await kiosk.waitFor(isVerdict);
    // The status lookup still used the identifier (over the network, never stored).
    expect(verdict.verdict).toBe('allow');
    await kiosk.waitFor((e) => e.type === 'uploaded');
    await kiosk.running.stop();
    const onDisk = ['kiosk.db', 'kiosk.db-wal'].map((f) => {
      try {
        return readFileSync(`${kiosk!.dir}/${f}`).toString('latin1');
      } catch {
        return '';
      }
    });
    expect(onDisk.join('')).not.toContain(people[3]!.cccd);
    const [entry] = await server.store.listEntries();
    expect(entry!.subject).toBeNull();
    expect(unsealSubject(entry!.sealedSubject!, entry!.entryId, authority.privateKeyPem)).toEqual({ type: 'cccd', id: people[3]!.cccd });
    kiosk = undefined;
  });

  it('re-times entries recorded with an unsynchronised clock once the server tells a signed time', async () => {
    server = await startTestServer();
    const device = await enrollDevice(server.store);
    // Kiosk clock one day behind, as a Pi without RTC that booted offline.
    const skew = -86_400_000;
    kiosk = await startTestKiosk({
      serverUrl: server.url,
      device,
      config: { server: { url: server.url, statusBudgetMs: 5000, publicKey: serverPublicKeyOf(server.store.serverKey) } },
      clock: { nowMs: () => Date.now() + skew, monoMs: () => performance.now() },
    });
    kiosk.scanner.emit(cccdQr(people[4]!));
    await kiosk.waitFor((e) => e.type === 'uploaded');
    kiosk.scanner.emit(cccdQr(people[5]!));
    await kiosk.waitFor((e) => e.type === 'uploaded' && e.toSeq === 2);
    const entries = await server.store.listEntries();
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      expect(e.clockSynced).toBe(false);
      expect(e.recordedAt - Date.now()).toBeLessThan(-86_000_000);
      // Repaired to within a few seconds of the true time; the original is kept.
      expect(Math.abs(e.correctedAt! - Date.now())).toBeLessThan(10_000);
    }
  });
});
