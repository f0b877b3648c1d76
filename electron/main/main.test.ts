import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../common/ipc/contract.ts';
import type * as childProcess from 'node:child_process';
import type { Recorded } from './fake-electron.test-helper.ts';

type ChildProcessModule = typeof childProcess;

/**
 * The shell's composition (main.ts) under a fake electron module: what it configures at start,
 * and what it does when the core or the renderer dies. The real binary cannot run here.
 */
const rec = vi.hoisted(() => ({ current: undefined as unknown as Recorded, notified: [] as string[][], lastNotifiedAt: 0 }));
vi.mock('electron', async () => {
  const { fakeElectron: fake, makeRecorded: make } = await import('./fake-electron.test-helper.ts');
  rec.current = make();
  return fake(rec.current);
});
vi.mock('node:child_process', async (importOriginal) => ({
  ...(await importOriginal<ChildProcessModule>()),
  execFile: (file: string, args: string[], cb: (err: Error | null) => void) => {
    rec.notified.push([file, ...args]);
    rec.lastNotifiedAt = performance.now();
    cb(null);
  },
}));

const dir = mkdtempSync(join(tmpdir(), 'kiosk-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'kiosk.json');
writeFileSync(configPath, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'fake' }, gate: { kind: 'fake' } }));
process.env.KIOSK_CONFIG = configPath;
process.env.NOTIFY_SOCKET = join(dir, 'notify.sock');
process.env.WATCHDOG_USEC = '2000000';

const until = async (predicate: () => boolean, what: string, timeoutMs = 5000) => {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

await import('./main.ts');
await until(() => rec.current.loadedUrls.length > 0, 'the window');
// The fake core says it is ready and stays talkative, as a real core does (else the supervisor's
// watchdog kills it as hung).
const alive = setInterval(() => {
  rec.current.forks.at(-1)?.emit('message', { type: 'event', event: { type: 'ready', pid: 1, scanner: 'fake', gate: 'fake' } });
}, 200);
alive.unref();

describe('Electron shell composition', () => {
  it('removes the default menu, forks the core as a utility process with the heap limits, and loads the bundle', () => {
    expect(rec.current.menus).toEqual([null]);
    const [core] = rec.current.forks;
    expect(core?.modulePath).toMatch(/core-process\.mjs$/);
    expect(core?.args).toEqual([configPath]);
    expect(core?.options.serviceName).toBe('kiosk-core');
    expect(core?.options.execArgv).toEqual(expect.arrayContaining(['--max-old-space-size=96']));
    expect(rec.current.loadedUrls).toEqual(['app://kiosk/guard/index.html']);
    expect(rec.current.windowOptions).toHaveLength(1);
  });

  it('tells systemd READY=1 once the window has loaded', () => {
    rec.current.onceHandlers['did-finish-load']?.();
    expect(rec.notified).toContainEqual(['systemd-notify', 'READY=1']);
  });

  it('pings the watchdog while the renderer heartbeats and the core runs', async () => {
    const pings = () => rec.notified.filter((n) => n[1] === 'WATCHDOG=1').length;
    // The start-up heartbeat is fresh for WATCHDOG_USEC (2 s), pinged each second: first wait until
    // a ping interval and a half has passed in silence, so a ping after that can only come from a heartbeat.
    await until(() => performance.now() - rec.lastNotifiedAt > 1500, 'the start-up heartbeat to go stale', 6000);
    const before = pings();
    // A real IPC event: the sender is our window's webContents (id 1) and its main frame shows our bundle.
    rec.current.ipcListeners[CHANNELS.heartbeat]?.({ sender: { id: 1 }, senderFrame: { url: 'app://kiosk/guard/index.html', parent: null } });
    await until(() => pings() > before, 'a watchdog ping after the heartbeat', 3000);
  });

  it('restarts the core after it dies, driving the gate safe first', async () => {
    const first = rec.current.forks[0]!;
    first.emit('exit', 1);
    await until(() => rec.current.forks.length >= 2, 'a restarted core');
    expect(rec.current.forks[1]?.options.serviceName).toBe('kiosk-core');
    // The renderer heard that the gate was driven closed and why, before the new core came up.
    const sent = rec.current.events.filter(([channel]) => channel === CHANNELS.event).map(([, e]) => e as { type: string; state?: string; message?: string });
    expect(sent.find((e) => e.type === 'gate')).toMatchObject({ state: 'closed' });
    expect(sent.find((e) => e.type === 'error')?.message).toMatch(/core process ended .*outputs driven safe/);
  });

  it('reloads a crashed renderer and gives up to systemd after three crashes in a minute', () => {
    const gone = rec.current.appHandlers['render-process-gone']!;
    const contents = { reload: vi.fn() };
    gone({}, contents, { reason: 'crashed' });
    gone({}, contents, { reason: 'oom' });
    expect(contents.reload).toHaveBeenCalledTimes(2);
    expect(rec.current.exits).toEqual([]);
    gone({}, contents, { reason: 'crashed' });
    expect(rec.current.exits).toEqual([1]);
  });
});
