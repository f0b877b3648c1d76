import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverPublicKeyOf } from '../../server/store/rules.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import type { KioskEvent } from '../../common/events.ts';
import { trustListResponseSchema, type TrustListResponse } from '../../common/wire.ts';
import { TrustListHolder, TrustListSync } from '../../core/dcc/trust-list.ts';
import type { HttpRequester } from '../../core/http/client.ts';
import { silentLogger } from '../../core/log.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import BUNDLED_VALUE_SETS from '../../server/dcc-value-sets.json' with { type: 'json' };
import { issueDcc, makeCsca, makeDsc, testResult, vaccination, type Authority, type Signer } from '../helpers/dcc-issuer.ts';
import { lastVerdict, startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

let csca: Authority;
let dsc: Signer;
let other: Signer;

beforeAll(async () => {
  csca = await makeCsca('DE');
  dsc = await makeDsc(csca);
  other = await makeDsc(csca);
});

describe('EU DCC at the kiosk: trust list synced from the server, verified offline', () => {
  let server: TestServer | undefined;
  let kiosk: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kiosk, server);
    [kiosk, server] = [undefined, undefined];
  });

  it('syncs the signed list, shows its age, and lets a foreign traveller in on a valid certificate without a status lookup', async () => {
    server = await startTestServer();
    await server.store.trustList.import([csca.entry, dsc.entry], BUNDLED_VALUE_SETS);
    kiosk = await startTestKiosk({
      serverUrl: server.url,
      device: await enrollDevice(server.store, 'bus-station'),
      // The server's public key, as enrollment hands it out: it authenticates the trust list.
      config: { duplicateWindowMs: 0, venue: { kind: 'bus-station' }, server: { url: server.url, publicKey: serverPublicKeyOf(server.store.serverKey) } },
    });
    const synced = await kiosk.waitFor((e): e is Extract<KioskEvent, { type: 'trust-list' }> => e.type === 'trust-list' && e.syncedAt !== null);
    expect(synced).toMatchObject({ size: 1, version: 1 });

    kiosk.scanner.emit(issueDcc(dsc, vaccination()));
    const v = await lastVerdict(kiosk);
    expect(v).toMatchObject({ format: 'eu-dcc', verdict: 'allow', source: 'credential', reasons: ['vaccination-valid'], displayName: 'Müller A. L.' });
    expect(v.facts).toMatchObject({ type: 'v', product: 'Comirnaty', dose: '2/2', country: 'DE' });
    await kiosk.waitFor((e) => e.type === 'uploaded');
    const stored = (await server.store.listEntries()).find((e) => e.entryId === v.entryId);
    expect(stored).toMatchObject({ format: 'eu-dcc', subject: { type: 'dcc', id: 'URN:UVCI:01:DE:TEST22#X' } });

    // The server goes away: certificates are still verified, offline, from the stored list.
    await server.close();
    server = undefined;
    kiosk.scanner.emit(issueDcc(dsc, testResult()));
    expect(await lastVerdict(kiosk)).toMatchObject({ verdict: 'allow', source: 'credential', reasons: ['test-valid'] });
    kiosk.scanner.emit(issueDcc(dsc, vaccination(), { isTampered: true }));
    expect(await lastVerdict(kiosk)).toMatchObject({ verdict: 'deny', source: 'credential', reasons: ['signature-invalid'] });
    kiosk.scanner.emit(issueDcc(other, vaccination()));
    expect(await lastVerdict(kiosk)).toMatchObject({ verdict: 'deny', reasons: ['signature-unknown-key'] });
  });

  it('without a trust list (never synced, no file) denies every certificate as unverifiable, never allows', async () => {
    kiosk = await startTestKiosk({ config: { duplicateWindowMs: 0 } });
    expect(kiosk.events.find((e) => e.type === 'trust-list')).toMatchObject({ size: 0, syncedAt: null });
    kiosk.scanner.emit(issueDcc(dsc, vaccination()));
    expect(await lastVerdict(kiosk)).toMatchObject({ format: 'eu-dcc', verdict: 'deny', reasons: ['signature-unknown-key'] });
  });

  it('privacy.subjects eu-dcc: none keeps the verdict and drops the certificate id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-dcc-'));
    const trustFile = join(dir, 'trust.json');
    (await import('node:fs')).writeFileSync(trustFile, JSON.stringify([csca.entry, dsc.entry]));
    kiosk = await startTestKiosk({ dir, config: { duplicateWindowMs: 0, dcc: { trustFile }, privacy: { subjects: { 'eu-dcc': 'none' } } } });
    kiosk.scanner.emit(issueDcc(dsc, vaccination()));
    const v = await lastVerdict(kiosk);
    expect(v).toMatchObject({ verdict: 'allow', reasons: ['vaccination-valid'] });
    const [row] = JSON.parse(kiosk.running.outbox.takeBatch(10, 1_000_000)!.entriesJson) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({ format: 'eu-dcc', verdict: 'allow', subject: null });
  });

  it('refuses a trust file that is not a list of certificates, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-dcc-'));
    const trustFile = join(dir, 'trust.json');
    (await import('node:fs')).writeFileSync(trustFile, JSON.stringify({ kid: 'x' }));
    await expect(startTestKiosk({ dir, config: { dcc: { trustFile } } })).rejects.toThrow(/dcc.trustFile: .*expected a JSON array/);
  });
});

describe('trust list sync protocol', () => {
  function rig(tamper?: (r: TrustListResponse) => TrustListResponse) {
    const serverStore = new SqliteStore(':memory:');
    const outbox = Outbox.open({ path: join(mkdtempSync(join(tmpdir(), 'trust-')), 'k.db'), bootId: 'b', nowMs: Date.now });
    const holder = new TrustListHolder(outbox.trustList);
    const http: HttpRequester = {
      async request(o) {
        const since = Number(new URL(o.path, 'http://x').searchParams.get('since'));
        const answer = await serverStore.trustList.since(since);
        return { ok: true, status: 200, value: o.schema.parse(JSON.parse(JSON.stringify(tamper ? tamper(answer) : answer))) };
      },
    };
    const sync = new TrustListSync({ http, store: outbox.trustList, holder, serverPublicKey: serverPublicKeyOf(serverStore.serverKey), clock: systemClock, log: silentLogger, intervalMs: 60_000 });
    return { serverStore, outbox, holder, sync };
  }

  it('takes the full list first, then deltas: additions and removals by thumbprint', async () => {
    const { serverStore, outbox, holder, sync } = rig();
    expect(await serverStore.trustList.import([csca.entry, dsc.entry])).toMatchObject({ version: 1, added: 2 });
    expect(await sync.syncNow()).toBe(true);
    expect(outbox.trustList.state()).toMatchObject({ version: 1, size: 2 });
    expect(holder.get().keysFor(dsc.kid)).toHaveLength(1);

    expect(await serverStore.trustList.import([csca.entry, other.entry])).toMatchObject({ version: 2, added: 1, removed: 1 });
    const delta = await serverStore.trustList.since(1);
    expect(delta).toMatchObject({ isFull: false, certificates: [{ kid: other.kid }], removed: [expect.stringMatching(/^[0-9a-f]{64}$/) as unknown] });
    expect(await sync.syncNow()).toBe(true);
    expect(holder.get().keysFor(dsc.kid)).toHaveLength(0);
    expect(holder.get().keysFor(other.kid)).toHaveLength(1);
    // Importing the same list again is no new version.
    expect(await serverStore.trustList.import([csca.entry, other.entry])).toMatchObject({ version: 2, added: 0, removed: 0 });
    outbox.close();
  });

  it.each([
    ['a certificate swapped in transit', (r: TrustListResponse) => ({ ...r, certificates: [{ ...r.certificates[0]!, rawData: other.entry.rawData }] })],
    ['a CSCA turned into a document signer', (r: TrustListResponse) => ({ ...r, certificates: r.certificates.map((c) => ({ kid: c.kid, country: c.country, rawData: c.rawData })) })],
    ['a forged signature', (r: TrustListResponse) => ({ ...r, signature: Buffer.alloc(64).toString('base64url') })],
  ])('refuses %s and keeps the previous list', async (_label, tamper) => {
    const { serverStore, outbox, sync } = rig(tamper);
    await serverStore.trustList.import([csca.entry, dsc.entry]);
    expect(await sync.syncNow()).toBe(false);
    expect(outbox.trustList.state()).toMatchObject({ version: 0, size: 0, syncedAt: null });
    outbox.close();
  });

  it('refuses an import whose kid does not match its certificate, writing nothing', async () => {
    const store = new SqliteStore(':memory:');
    await expect(store.trustList.import([dsc.entry, { ...other.entry, kid: dsc.kid }])).rejects.toThrow(/entry 1: kid .* does not match/);
    await expect(store.trustList.import([{ kid: 'AAAAAAAAAAA=', country: 'DE', rawData: Buffer.from('not a certificate').toString('base64') }])).rejects.toThrow(/not a base64 DER X.509/);
    expect(await store.trustList.version()).toBe(0);
    expect(trustListResponseSchema.parse(await store.trustList.since(0)).certificates).toEqual([]);
  });
});
