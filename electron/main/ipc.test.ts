import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../common/ipc/contract.ts';
import { fakeElectron, makeRecorded } from './fake-electron.test-helper.ts';

vi.mock('electron', async () => {
  const { fakeElectron: fake, makeRecorded: make } = await import('./fake-electron.test-helper.ts');
  return fake(make());
});
const { registerIpc } = await import('./ipc.ts');

function setup() {
  const rec = makeRecorded();
  const electron = fakeElectron(rec);
  const handlers = {
    getStatus: vi.fn(async () => undefined),
    submitScan: vi.fn(() => true),
    heartbeat: vi.fn(),
    technician: vi.fn(async () => ({ ok: true as const, value: { status: null, recent: [] } })),
  };
  const ourContents = { id: 7 } as unknown as Electron.WebContents;
  registerIpc(electron.ipcMain as unknown as Electron.IpcMain, handlers, () => [ourContents]);
  const event = (senderId: number, url: string, isSubFrame = false) => ({ sender: { id: senderId }, senderFrame: { url, parent: isSubFrame ? {} : null } });
  return { rec, handlers, event };
}

describe('IPC handlers', () => {
  it('forwards a valid scan from our window', async () => {
    const { rec, handlers, event } = setup();
    const result = await rec.ipcHandlers[CHANNELS.submitScan]!(event(7, 'app://kiosk/guard/index.html'), { text: 'abc', source: 'camera' });
    expect(result).toEqual({ ok: true, value: null });
    expect(handlers.submitScan).toHaveBeenCalledWith({ text: 'abc', source: 'camera' });
  });

  it.each([
    ['another window', 8, 'app://kiosk/guard/index.html', false],
    ['a foreign origin in our window', 7, 'https://evil.example/', false],
    ['a sub-frame', 7, 'app://kiosk/guard/index.html', true],
  ])('rejects a sender from %s', async (_label, id, url, isSub) => {
    const { rec, handlers, event } = setup();
    const result = await rec.ipcHandlers[CHANNELS.submitScan]!(event(id, url, isSub), { text: 'abc', source: 'camera' });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(handlers.submitScan).not.toHaveBeenCalled();
  });

  it.each([
    ['a missing source', { text: 'abc' }],
    ['an unknown source', { text: 'abc', source: 'network' }],
    ['5 kB of text', { text: 'x'.repeat(5000), source: 'camera' }],
    ['an extra field', { text: 'abc', source: 'camera', channel: 'kiosk:anything' }],
    ['a string', 'abc'],
  ])('rejects %s before any code uses it', async (_label, payload) => {
    const { rec, handlers, event } = setup();
    const result = await rec.ipcHandlers[CHANNELS.submitScan]!(event(7, 'app://kiosk/guard/index.html'), payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(handlers.submitScan).not.toHaveBeenCalled();
  });

  it('ignores heartbeats from strangers', () => {
    const { rec, handlers, event } = setup();
    rec.ipcListeners[CHANNELS.heartbeat]!(event(9, 'app://kiosk/'));
    rec.ipcListeners[CHANNELS.heartbeat]!(event(7, 'app://kiosk/guard/index.html'));
    expect(handlers.heartbeat).toHaveBeenCalledTimes(1);
  });

  it('passes a technician request only from our window and only well-formed', async () => {
    const { rec, handlers, event } = setup();
    const ours = event(7, 'app://kiosk/guard/index.html');
    expect(await rec.ipcHandlers[CHANNELS.technician]!(ours, { pin: '123456', action: 'info' })).toMatchObject({ ok: true });
    expect(await rec.ipcHandlers[CHANNELS.technician]!(event(7, 'https://evil.example/'), { pin: '123456', action: 'info' })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await rec.ipcHandlers[CHANNELS.technician]!(ours, { pin: '12', action: 'info' })).toMatchObject({ error: { code: 'bad-request' } });
    expect(await rec.ipcHandlers[CHANNELS.technician]!(ours, { pin: '123456', action: 'shell' })).toMatchObject({ error: { code: 'bad-request' } });
    expect(handlers.technician).toHaveBeenCalledTimes(1);
  });
});
