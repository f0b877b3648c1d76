import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { LcusRelay } from '../../drivers/serial/lcus-relay.ts';
import { TowerLight } from '../../drivers/serial/tower-light.ts';
import { FakeSensor } from '../../drivers/fake/fake-sensor.ts';
import { cccdQr, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { runKiosk, spawnKiosk, type KioskProcess } from '../helpers/cli.ts';
import { startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { NO_SOCAT, closePort, hasSocat, openPeer, openPtyPair, type PtyPair } from '../helpers/pty.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

const green = makePeople(80, 41).filter((p) => p.status === 'green');
const ON = 'a00101a2';
const OFF = 'a00100a1';

/** Bytes arriving at the PTY peer, each chunk with its arrival time. */
async function recorder(path: string) {
  const port = await openPeer(path);
  const chunks: Array<{ at: number; hex: string }> = [];
  port.on('data', (c: Buffer) => chunks.push({ at: performance.now(), hex: c.toString('hex') }));
  return {
    port,
    hex: () => chunks.map((c) => c.hex).join(''),
    /** Arrival time of the frame ending at the first occurrence of `frame` after `fromIndex` characters. */
    frameAt: (frame: string, fromHexIndex = 0) => {
      let acc = '';
      for (const c of chunks) {
        acc += c.hex;
        const i = acc.indexOf(frame, fromHexIndex);
        if (i >= 0 && i + frame.length <= acc.length) return c.at;
      }
      return undefined;
    },
    async waitFor(pred: (hex: string) => boolean, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs;
      while (!pred(chunks.map((c) => c.hex).join(''))) {
        if (performance.now() > deadline) throw new Error(`relay bytes so far: ${chunks.map((c) => c.hex).join('')}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
  };
}

describe.skipIf(!hasSocat)(`gate outputs on real pseudo-terminals ${hasSocat ? '' : NO_SOCAT}`, () => {
  const ptys: PtyPair[] = [];
  let kiosk: KioskProcess | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    kiosk?.proc.kill('SIGKILL');
    kiosk = undefined;
    await server?.close();
    server = undefined;
    for (const p of ptys.splice(0)) p.close();
  });

  // The upper bound is the scheduler's, not the driver's: on a busy machine the off frame is late by
  // however long the process waits for a core. The pulse is never short, and the bytes are exact.
  it('holds an 800 ms pulse for at least 800 ms (less 20 ms of line jitter), byte-exact', async () => {
    const pty = await openPtyPair('lcus');
    ptys.push(pty);
    const peer = await recorder(pty.peer);
    const relay = new LcusRelay({ path: pty.device, baudRate: 9600, channel: 1 });
    await relay.start();
    await peer.waitFor((h) => h === OFF);
    // The actuator's pulse: on, a timer, off (measured at the far end of the line).
    await relay.set(true);
    await new Promise<void>((r) => setTimeout(() => void relay.set(false).then(r), 800));
    await peer.waitFor((h) => h === OFF + ON + OFF);
    const onAt = peer.frameAt(ON)!;
    const offAt = peer.frameAt(OFF, OFF.length + ON.length)!;
    expect(offAt - onAt).toBeGreaterThanOrEqual(780);
    await relay.stop();
    await closePort(peer.port);
  });

  // How soon is the supervisor's logic, timed with fake timers in core/runtime/supervisor.test.ts;
  // here a real kill -9 on real PTYs shows that the relay is driven off and the core comes back.
  it('drives the relay off after kill -9 of the core mid-pulse, and restarts the core', async () => {
    server = await startTestServer();
    await seedStatuses(server.store, green);
    const relayPty = await openPtyPair('relay');
    ptys.push(relayPty);
    const peer = await recorder(relayPty.peer);
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-kill-'));
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'serial-relay', path: relayPty.device, pulseMs: 30_000, watchdogMs: 2000 }, policy: { offlineAction: 'allow' } }));
    kiosk = spawnKiosk(['run', '--config', config, '--headless', '--events', '-'], { stdin: 'pipe' });
    const ready = (await kiosk.waitFor((e) => e.type === 'ready')) as Extract<KioskEvent, { type: 'ready' }>;
    kiosk.proc.stdin!.write(`${cccdQr(green[0]!)}\n`);
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'open');
    await peer.waitFor((h) => h.endsWith(ON));
    process.kill(ready.pid!, 'SIGKILL');
    // The pulse is 30 s long: an off frame now can only come from the supervisor.
    await peer.waitFor((h) => h.includes(ON + OFF), 20_000);
    // The supervisor says so, and restarts the core (which drives the safe state again).
    await kiosk.waitFor((e) => e.type === 'error' && /core process ended/.test(e.message));
    await kiosk.waitFor((e) => e.type === 'ready' && e.pid !== ready.pid);
    await closePort(peer.port);
  });

  it('speaks the tower light protocol byte-exact', async () => {
    const pty = await openPtyPair('tower');
    ptys.push(pty);
    const peer = await recorder(pty.peer);
    const tower = new TowerLight(pty.device);
    await tower.start();
    await tower.show({ color: 'green', mode: 'steady', durationMs: 5000, sound: 'none' });
    await tower.show({ color: 'amber', mode: 'blink', durationMs: 5000, sound: 'none' });
    await peer.waitFor((h) => h === '21222428' + '21222428' + '14' + '21222428' + '42');
    await tower.stop();
    await closePort(peer.port);
  });
});

describe('gate configuration refused at start, naming the field', () => {
  const write = (cfg: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'kiosk-gatecfg-')), 'kiosk.json');
    writeFileSync(path, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, ...(cfg as object) }));
    return path;
  };

  it.each([
    ['two outputs on one channel', { gate: { kind: 'serial-relay', path: '/dev/ttyUSB0', channel: 1 }, indicator: { kind: 'lights', green: { kind: 'serial-relay', path: '/dev/ttyUSB0', channel: 1 } } }, 'indicator.green'],
    ['a channel the board does not have', { gate: { kind: 'serial-relay', path: '/dev/ttyUSB0', channel: 3, channels: 2 } }, 'gate.channel'],
    ['an unknown output kind', { gate: { kind: 'smoke-signal' } }, 'gate.kind'],
    ['a pulse of 0', { gate: { kind: 'fake', pulseMs: 0 } }, 'gate.pulseMs'],
    ['a pulse over 60 s', { gate: { kind: 'fake', pulseMs: 60_001 } }, 'gate.pulseMs'],
    ['a missing LED device', { gate: { kind: 'led', name: 'gate', root: '/nonexistent' } }, 'gate.name'],
  ])('refuses %s', async (_label, cfg, field) => {
    const { code, stderr } = await runKiosk(['run', '--config', write(cfg), '--headless']);
    expect(code).not.toBe(0);
    expect(stderr).toContain(field);
  });
});

describe('gate at run time', () => {
  let kiosk: TestKiosk | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await stopAll(kiosk, server);
    [kiosk, server] = [undefined, undefined];
  });

  it('reports a relay that vanished, on screen and in events, and keeps deciding', async () => {
    kiosk = await startTestKiosk({ config: { policy: { offlineAction: 'allow' }, duplicateWindowMs: 0 } });
    kiosk.gate.failNext();
    kiosk.scanner.emit(cccdQr(green[1]!));
    kiosk.scanner.emit(cccdQr(green[2]!));
    await kiosk.running.core.whenIdle();
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'error', code: 'relay-write-failed' }));
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'device', device: 'gate', state: 'disconnected' }));
    expect(kiosk.events.filter((e) => e.type === 'verdict').map((e) => (e as { verdict: string }).verdict)).toEqual(['allow', 'allow']);
    // The next write worked: the gate is reported back.
    expect(kiosk.events).toContainEqual(expect.objectContaining({ type: 'device', device: 'gate', state: 'connected' }));
  });

  it('holds a fail-safe door locked while running and releases it to open', async () => {
    kiosk = await startTestKiosk({ config: { gate: { kind: 'fake', pulseMs: 50, failMode: 'safe' }, policy: { offlineAction: 'allow' } } });
    expect(kiosk.gate.state).toBe(true);
    kiosk.scanner.emit(cccdQr(green[3]!));
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'open');
    expect(kiosk.gate.state).toBe(false);
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'closed');
    expect(kiosk.gate.state).toBe(true);
    await kiosk.running.stop();
    // Stopped (or crashed): de-energised, which opens a fail-safe door.
    expect(kiosk.gate.state).toBe(false);
    kiosk = undefined;
  });

  it('records a gate that opened with nobody passing as not-passed, and uploads it', async () => {
    server = await startTestServer();
    await seedStatuses(server.store, green);
    const sensor = new FakeSensor();
    kiosk = await startTestKiosk({ serverUrl: server.url, device: await enrollDevice(server.store), sensor, config: { gate: { kind: 'fake', pulseMs: 50, passageWindowMs: 500 } } });
    kiosk.scanner.emit(cccdQr(green[4]!));
    await kiosk.waitFor((e) => e.type === 'gate' && e.state === 'open');
    sensor.pass();
    kiosk.scanner.emit(cccdQr(green[5]!));
    const notPassed = await kiosk.waitFor((e) => e.type === 'passage' && !e.passed);
    const passed = kiosk.events.find((e) => e.type === 'passage' && e.passed);
    expect(passed).toBeDefined();
    await kiosk.running.uploader!.drain(30_000);
    const deadline = Date.now() + 30_000;
    while ((await server.store.listEntries()).filter((e) => e.passage).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const byId = new Map((await server.store.listEntries()).map((e) => [e.entryId, e.passage]));
    expect(byId.get((notPassed as { entryId: string }).entryId)).toBe('not-passed');
    expect(byId.get((passed as { entryId: string }).entryId)).toBe('passed');
  });
});
