import { contextBridge, ipcRenderer } from 'electron';
import type { KioskEvent } from '../../common/events.ts';
import { CHANNELS } from '../../common/ipc/channels.ts';
import type { KioskApi, KioskStatus, SubmittedScan, TechnicianReply, TechnicianRequest } from '../../common/ipc/contract.ts';
import type { Result } from '../../common/result.ts';

/**
 * The guard window's bridge: exactly the KioskApi, as named functions. Never `ipcRenderer` itself,
 * never a channel the page picks, never the IPC event object.
 */
const api: KioskApi = {
  async getStatus(): Promise<KioskStatus> {
    const result = (await ipcRenderer.invoke(CHANNELS.getStatus)) as Result<KioskStatus | null>;
    if (!result.ok || result.value === null) throw new Error(result.ok ? 'kiosk core is starting' : result.error.message);
    return result.value;
  },
  onEvent(listener: (event: KioskEvent) => void): () => void {
    const wrapped = (_e: unknown, event: KioskEvent) => listener(event);
    ipcRenderer.on(CHANNELS.event, wrapped);
    return () => ipcRenderer.removeListener(CHANNELS.event, wrapped);
  },
  submitScan(scan: SubmittedScan): Promise<Result<null>> {
    return ipcRenderer.invoke(CHANNELS.submitScan, { text: scan.text, source: scan.source }) as Promise<Result<null>>;
  },
  heartbeat(): void {
    ipcRenderer.send(CHANNELS.heartbeat);
  },
  technician(request: TechnicianRequest): Promise<Result<TechnicianReply>> {
    return ipcRenderer.invoke(CHANNELS.technician, { pin: request.pin, action: request.action }) as Promise<Result<TechnicianReply>>;
  },
};

contextBridge.exposeInMainWorld('kiosk', api);
