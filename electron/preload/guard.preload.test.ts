import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, KIOSK_API_METHODS } from '../../common/ipc/contract.ts';

/**
 * What the guard preload puts on `window.kiosk`, under a fake electron module. The Electron e2e
 * suite (test/e2e/electron.test.ts, skipped without the binary) checks the same list in a real
 * window; both take it from the IPC contract, so neither can drift from it.
 */
const exposed = vi.hoisted(() => {
  const api: Record<string, unknown> = {};
  return { name: '', api, sent: [] as string[] };
});
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (name: string, api: Record<string, unknown>) => {
      exposed.name = name;
      exposed.api = api;
    },
  },
  ipcRenderer: {
    send: (channel: string) => exposed.sent.push(channel),
    invoke: () => Promise.resolve({ ok: true, value: null }),
    on: () => undefined,
    removeListener: () => undefined,
  },
}));
await import('./guard.preload.ts');

describe('guard preload', () => {
  it('exposes exactly the KioskApi members as window.kiosk, all functions', () => {
    expect(exposed.name).toBe('kiosk');
    expect(Object.keys(exposed.api).sort()).toEqual([...KIOSK_API_METHODS].sort());
    for (const m of KIOSK_API_METHODS) expect(typeof exposed.api[m], m).toBe('function');
  });

  it('sends the heartbeat on the contract channel', () => {
    (exposed.api.heartbeat as () => void)();
    expect(exposed.sent).toEqual([CHANNELS.heartbeat]);
  });
});
