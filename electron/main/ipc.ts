import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNELS, CHANNEL_PREFIX, submittedScanSchema, technicianRequestSchema, type KioskStatus, type TechnicianReply, type TechnicianRequest } from '../../common/ipc/contract.ts';
import { fail, ok, type Result } from '../../common/result.ts';
import { isAppUrl } from './windows.ts';

export interface IpcHandlers {
  getStatus(): Promise<KioskStatus | undefined>;
  submitScan(scan: { text: string; source: 'camera' | 'keyboard' }): boolean;
  heartbeat(): void;
  technician(request: TechnicianRequest): Promise<Result<TechnicianReply>>;
}

/**
 * A sender is trusted when it is the main frame of one of our windows showing our bundle
 * (VS Code's validateEvent: channel prefix, own window, own origin, no sub-frames).
 */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, windows: () => readonly WebContents[]): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!windows().some((wc) => wc.id === event.sender.id)) return false;
  return isAppUrl(frame.url);
}

export function registerIpc(ipcMain: IpcMain, handlers: IpcHandlers, windows: () => readonly WebContents[]): void {
  for (const channel of Object.values(CHANNELS)) {
    if (!channel.startsWith(CHANNEL_PREFIX)) throw new Error(`channel ${channel} lacks the ${CHANNEL_PREFIX} prefix`);
  }
  ipcMain.handle(CHANNELS.getStatus, async (event): Promise<Result<KioskStatus | null>> => {
    if (!isTrustedSender(event, windows)) return fail({ code: 'forbidden', message: 'untrusted IPC sender' });
    return ok((await handlers.getStatus()) ?? null);
  });
  ipcMain.handle(CHANNELS.submitScan, async (event, raw: unknown): Promise<Result<null>> => {
    if (!isTrustedSender(event, windows)) return fail({ code: 'forbidden', message: 'untrusted IPC sender' });
    const parsed = submittedScanSchema.safeParse(raw);
    if (!parsed.success) return fail({ code: 'bad-request', message: parsed.error.issues[0]?.message ?? 'invalid scan' });
    return handlers.submitScan(parsed.data) ? ok(null) : fail({ code: 'internal', message: 'the kiosk core is restarting' });
  });
  ipcMain.handle(CHANNELS.technician, async (event, raw: unknown): Promise<Result<TechnicianReply>> => {
    if (!isTrustedSender(event, windows)) return fail({ code: 'forbidden', message: 'untrusted IPC sender' });
    const parsed = technicianRequestSchema.safeParse(raw);
    if (!parsed.success) return fail({ code: 'bad-request', message: parsed.error.issues[0]?.message ?? 'invalid request' });
    return handlers.technician(parsed.data);
  });
  ipcMain.on(CHANNELS.heartbeat, (event) => {
    if (isTrustedSender(event, windows)) handlers.heartbeat();
  });
}
