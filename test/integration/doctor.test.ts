import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runKiosk } from '../helpers/cli.ts';
import { NO_SOCAT, closePort, hasSocat, openPeer, openPtyPair, writeTo, type PtyPair } from '../helpers/pty.ts';
import { writeDeviceKey } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

interface DoctorOut {
  ok: boolean;
  checks: Array<{ check: string; status: 'pass' | 'warn' | 'fail'; detail: string; hint?: string }>;
}

const configFile = (cfg: object) => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-doctor-'));
  const path = join(dir, 'kiosk.json');
  writeFileSync(path, JSON.stringify({ store: { path: 'k.db' }, ...cfg }));
  return { dir, path };
};

describe('kiosk doctor', () => {
  let server: TestServer | undefined;
  const ptys: PtyPair[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const p of ptys.splice(0)) p.close();
  });

  it('reports each missing device as fail with a hint, and exits non-zero', async () => {
    const { path } = configFile({ scanner: { kind: 'serial', path: '/dev/ttyACM7' }, gate: { kind: 'serial-relay', path: '/dev/ttyUSB7' } });
    const { code, stdout } = await runKiosk(['doctor', '--config', path, '--json']);
    const out = JSON.parse(stdout) as DoctorOut;
    expect(code).toBe(1);
    expect(out.ok).toBe(false);
    for (const name of ['scanner', 'gate', 'camera', 'server']) {
      const c = out.checks.find((x) => x.check === name);
      expect(c?.status, name).toBe('fail');
      expect(c?.hint, name).toBeTruthy();
    }
  });

  it('checks the server, the signed request and the clock when provisioned', async () => {
    server = await startTestServer();
    const device = await enrollDevice(server.store);
    const { dir, path } = configFile({ scanner: { kind: 'stdin' }, gate: { kind: 'fake' } });
    const keyFile = writeDeviceKey(dir, device);
    writeFileSync(
      path,
      JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'fake' }, server: { url: server.url }, device: { id: device.deviceId, venueId: device.venueId, keyFile } }),
    );
    const { stdout } = await runKiosk(['doctor', '--config', path, '--json']);
    const out = JSON.parse(stdout) as DoctorOut;
    expect(out.checks.find((c) => c.check === 'server')?.status).toBe('pass');
    expect(out.checks.find((c) => c.check === 'signed request')).toMatchObject({ status: 'pass', detail: expect.stringContaining(device.deviceId) });
    expect(out.checks.find((c) => c.check === 'clock vs server')?.status).toBe('pass');
  });

  it('--gate clicks the fake gate and reads it back', async () => {
    const { path } = configFile({ scanner: { kind: 'stdin' }, gate: { kind: 'fake' } });
    const { code, stdout } = await runKiosk(['doctor', '--config', path, '--gate', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as DoctorOut).checks.find((c) => c.check === 'gate')).toMatchObject({ status: 'pass', detail: expect.stringContaining('read back on then off') });
  });

  it.skipIf(!hasSocat)(`--gate clicks an LCUS relay and reads it back through its status query ${hasSocat ? '' : NO_SOCAT}`, async () => {
    const pty = await openPtyPair('lcus4');
    ptys.push(pty);
    // Plays LCUS-4 firmware: remembers channel states, answers FF with its status lines.
    const board = await openPeer(pty.peer);
    const state = [false, false, false, false];
    let frames = '';
    board.on('data', (c: Buffer) => {
      for (const byte of c) {
        if (byte === 0xff) {
          void writeTo(board, state.map((on, i) => `CH${i + 1}: ${on ? 'ON' : 'OFF'}\r\n`).join(''));
          continue;
        }
        frames += byte.toString(16).padStart(2, '0');
        if (frames.length === 8) {
          const ch = Number.parseInt(frames.slice(2, 4), 16);
          state[ch - 1] = frames.slice(4, 6) === '01';
          frames = '';
        }
      }
    });
    const { path } = configFile({ scanner: { kind: 'stdin' }, gate: { kind: 'serial-relay', path: pty.device, channel: 2, hasStatusQuery: true } });
    const { code, stdout } = await runKiosk(['doctor', '--config', path, '--gate', '--json']);
    expect((JSON.parse(stdout) as DoctorOut).checks.find((c) => c.check === 'gate')).toMatchObject({ status: 'pass', detail: expect.stringContaining('read back on then off') });
    expect(code).toBe(0);
    await closePort(board);
  });
});
