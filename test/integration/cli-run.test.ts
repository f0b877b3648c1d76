import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { runKiosk, spawnKiosk, type KioskProcess } from '../helpers/cli.ts';
import { writeDeviceKey } from '../helpers/kiosk.ts';
import { NO_SOCAT, closePort, collect, hasSocat, openPeer, openPtyPair, writeTo, type PtyPair } from '../helpers/pty.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

const person = makePeople(50, 5).find((p) => p.status === 'green')!;

describe.skipIf(!hasSocat)(`kiosk run --headless with PTY scanner and relay ${hasSocat ? '' : NO_SOCAT}`, () => {
  let server: TestServer | undefined;
  let kiosk: KioskProcess | undefined;
  const ptys: PtyPair[] = [];
  afterEach(async () => {
    kiosk?.proc.kill('SIGKILL');
    await server?.close();
    for (const p of ptys.splice(0)) p.close();
  });

  it('turns bytes on the scanner PTY into a verdict event and LCUS frames on the relay PTY', async () => {
    server = await startTestServer();
    await seedStatuses(server.store, [person]);
    const device = await enrollDevice(server.store);
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-cli-'));
    const scannerPty = await openPtyPair('scanner');
    const relayPty = await openPtyPair('relay');
    ptys.push(scannerPty, relayPty);
    const relayPeer = await openPeer(relayPty.peer);
    const relayBytes = collect(relayPeer);
    const config = join(dir, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { url: server.url, statusBudgetMs: 5000 },
        device: { id: device.deviceId, venueId: device.venueId, keyFile: writeDeviceKey(dir, device) },
        store: { path: 'kiosk.db' },
        // The payload is split over two writes below: on a busy machine they can land further apart
        // than the 50 ms default silence that closes a frame; the suffix is what this test frames on.
        scanner: { kind: 'serial', path: scannerPty.device, baudRate: 9600, suffix: '\r', interByteTimeoutMs: 2000 },
        gate: { kind: 'serial-relay', path: relayPty.device, channel: 1, pulseMs: 200 },
      }),
    );
    kiosk = spawnKiosk(['run', '--config', config, '--headless', '--events', '-']);
    await kiosk.waitFor((e) => e.type === 'ready');
    // Safe state at start: channel 1 off.
    expect((await relayBytes.waitFor(4)).toString('hex')).toBe('a00100a1');

    const scannerPeer = await openPeer(scannerPty.peer);
    const payload = cccdQr(person);
    // Split over two writes, as a slow UART delivers it.
    await writeTo(scannerPeer, payload.slice(0, 20));
    await writeTo(scannerPeer, `${payload.slice(20)}\r`);
    const verdict = await kiosk.waitFor((e) => e.type === 'verdict');
    expect(verdict).toMatchObject({ type: 'verdict', format: 'vn-cccd', verdict: 'allow', source: 'online' });
    expect(typeof (verdict as { latencyMs: unknown }).latencyMs).toBe('number');
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'closed');
    expect((await relayBytes.waitFor(12)).toString('hex')).toBe('a00100a1' + 'a00101a2' + 'a00100a1');
    await kiosk.waitFor((e) => e.type === 'uploaded');
    expect((await server.store.listEntries())[0]).toMatchObject({ entryId: (verdict as { entryId: string }).entryId });

    kiosk.proc.kill('SIGTERM');
    expect((await kiosk.exited).code).toBe(0);
    await closePort(scannerPeer);
    await closePort(relayPeer);
  });
});

describe('kiosk run: bad configuration', () => {
  const write = (cfg: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'kiosk-cfg-')), 'kiosk.json');
    writeFileSync(path, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
    return path;
  };
  const base = { store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'fake' } };

  it.each([
    ['a pulse of 0', { ...base, gate: { kind: 'fake', pulseMs: 0 } }, 'gate.pulseMs'],
    ['a pulse over 60 s', { ...base, gate: { kind: 'fake', pulseMs: 60_001 } }, 'gate.pulseMs'],
    ['an unknown scanner kind', { ...base, scanner: { kind: 'laser' } }, 'scanner.kind'],
    ['a misspelt key', { ...base, scanner: { kind: 'serial', path: '/dev/x', baudrate: 9600 } }, 'scanner.baudrate'],
    ['a missing store', { scanner: base.scanner, gate: base.gate }, 'store'],
    ['a relay channel 9', { ...base, gate: { kind: 'serial-relay', path: '/dev/x', channel: 9 } }, 'gate.channel'],
  ])('refuses %s, names the field and exits 2', async (_label, cfg, field) => {
    const { code, stderr } = await runKiosk(['run', '--config', write(cfg), '--headless']);
    expect(code).toBe(2);
    expect(stderr).toContain(field);
  });

  it('refuses a half-written file', async () => {
    const { code, stderr } = await runKiosk(['run', '--config', write('{"store": {"path": "k.db"}, "scanner": {"ki'), '--headless']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not valid JSON/);
  });

  it('config check lists every wrong field', async () => {
    const { code, stderr } = await runKiosk(['config', 'check', write({ ...base, gate: { kind: 'fake', pulseMs: 0 }, duplicateWindowMs: -1, extra: 1 })]);
    expect(code).toBe(2);
    expect(stderr).toContain('gate.pulseMs');
    expect(stderr).toContain('duplicateWindowMs');
    expect(stderr).toContain('extra');
  });

  it('refuses a missing relay device at start, naming it', async () => {
    const { code, stderr } = await runKiosk(['run', '--config', write({ ...base, gate: { kind: 'serial-relay', path: '/dev/does-not-exist' } }), '--headless']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/relay-open-failed: gate.path: .*\/dev\/does-not-exist/);
  });
});

describe('kiosk run with the stdin scanner', () => {
  it('decides one payload per line and exits when input ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-stdin-'));
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'fake', pulseMs: 10 }, policy: { offlineAction: 'allow' } }));
    const { code, stdout } = await runKiosk(['run', '--config', config, '--headless', '--events', '-', '--drain-ms', '100'], `${cccdQr(person)}\nnot a qr\n`);
    expect(code).toBe(0);
    const verdicts = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; verdict?: string; reasons?: string[] }).filter((e) => e.type === 'verdict');
    expect(verdicts.map((v) => [v.verdict, v.reasons?.[0]])).toEqual([
      ['allow', 'offline'],
      ['deny', 'unreadable'],
    ]);
  });
});

describe('kiosk run with scanner "auto" and no scanner attached', () => {
  it('starts, waits, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-auto-'));
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'auto' }, gate: { kind: 'fake' } }));
    const kiosk = spawnKiosk(['run', '--config', config, '--headless', '--events', '-']);
    try {
      await kiosk.waitFor((e) => e.type === 'ready');
      const waiting = await kiosk.waitFor((e) => e.type === 'device' && e.device === 'scanner');
      expect(waiting).toMatchObject({ state: 'waiting', detail: expect.stringContaining('no known scanner attached') });
    } finally {
      kiosk.proc.kill('SIGTERM');
      await kiosk.exited;
    }
  });
});
