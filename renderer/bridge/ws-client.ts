import type { KioskEvent } from '../../common/events.ts';
import type { KioskApi, KioskStatus, SubmittedScan, TechnicianReply, TechnicianRequest } from '../../common/ipc/contract.ts';
import { serverMessageSchema, WS_PATH, type ClientMessage } from '../../common/ipc/ws-protocol.ts';
import type { Result } from '../../common/result.ts';

/**
 * The KioskApi over the browser bridge's WebSocket (`kiosk run --ui-port`): the same interface the
 * Electron preload exposes, so the guard screen cannot tell them apart. Reconnects by itself;
 * calls made while disconnected fail at once (the screen shows "starting" and retries).
 */
export function connectBridge(origin: string, token: string, WebSocketImpl: typeof WebSocket = WebSocket): KioskApi {
  const listeners = new Set<(e: KioskEvent) => void>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error & { code?: string }) => void }>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  const url = `${origin.replace(/^http/, 'ws')}${WS_PATH}?token=${encodeURIComponent(token)}`;

  const connect = (): Promise<WebSocket> => {
    opened ??= new Promise((resolve, reject) => {
      const ws = new WebSocketImpl(url);
      ws.addEventListener('open', () => {
        socket = ws;
        resolve(ws);
      });
      ws.addEventListener('message', (m) => {
        const parsed = serverMessageSchema.safeParse(JSON.parse(String(m.data)));
        if (!parsed.success) return;
        const msg = parsed.data;
        if ('event' in msg) for (const l of listeners) l(msg.event);
        else if ('result' in msg) pending.get(msg.id)?.resolve(msg.result);
        else pending.get(msg.id)?.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
        if (!('event' in msg)) pending.delete(msg.id);
      });
      ws.addEventListener('close', () => {
        socket = undefined;
        opened = undefined;
        for (const p of pending.values()) p.reject(new Error('kiosk bridge disconnected'));
        pending.clear();
        reject(new Error('kiosk bridge closed'));
        // The kiosk restarts, the network blips: try again shortly; events resume on their own.
        setTimeout(() => void connect().catch(() => undefined), 1000);
      });
    });
    return opened;
  };

  const call = async (message: { method: 'getStatus' } | { method: 'submitScan'; params: SubmittedScan } | { method: 'technician'; params: TechnicianRequest }): Promise<unknown> => {
    const ws = socket ?? (await connect());
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ ...message, id }));
    });
  };

  void connect().catch(() => undefined);
  return {
    async getStatus() {
      const status = (await call({ method: 'getStatus' })) as KioskStatus | null;
      if (status === null) throw new Error('kiosk core is starting');
      return status;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async submitScan(scan: SubmittedScan): Promise<Result<null>> {
      try {
        await call({ method: 'submitScan', params: { text: scan.text, source: scan.source } });
        return { ok: true, value: null };
      } catch (err) {
        return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
      }
    },
    async technician(request: TechnicianRequest): Promise<Result<TechnicianReply>> {
      try {
        return { ok: true, value: (await call({ method: 'technician', params: { pin: request.pin, action: request.action } })) as TechnicianReply };
      } catch (err) {
        const e = err as Error & { code?: string };
        return { ok: false, error: { code: (e.code ?? 'internal') as 'internal', message: e.message } };
      }
    },
    heartbeat() {
      socket?.send(JSON.stringify({ method: 'heartbeat' } satisfies ClientMessage));
    },
  };
}

/** The bridge named by the page's address (`…/guard/index.html#token=…`), if any. */
export function bridgeFromLocation(location: { origin: string; hash: string }): KioskApi | undefined {
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  return token ? connectBridge(location.origin, token) : undefined;
}
