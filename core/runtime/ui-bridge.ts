import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KioskEvent } from '../../common/events.ts';
import type { KioskStatus, SubmittedScan, TechnicianReply, TechnicianRequest } from '../../common/ipc/contract.ts';
import type { Result } from '../../common/result.ts';
import { clientMessageSchema, WS_PATH, type ServerMessage } from '../../common/ipc/ws-protocol.ts';
import type { Logger } from '../log.ts';
import { confinedPath, CONTENT_SECURITY_POLICY, CONTENT_TYPES } from './static-files.ts';

export interface UiHandlers {
  getStatus(): Promise<KioskStatus | undefined>;
  submitScan(scan: SubmittedScan): boolean;
  heartbeat(): void;
  technician(request: TechnicianRequest): Promise<Result<TechnicianReply>>;
}

export interface UiBridge {
  /** The guard screen's address, token included (open it in any Chromium). */
  url: string;
  port: number;
  broadcast(event: KioskEvent): void;
  close(): Promise<void>;
}

/**
 * Browser mode (`kiosk run --ui-port N`): the renderer bundle over HTTP on 127.0.0.1, and the
 * KioskApi over a WebSocket that only a page of this origin holding the run's token may open
 * (another site's page in the same browser cannot drive the kiosk). Everything received is
 * validated; a bad message is answered with an error and changes nothing.
 */
export async function startUiBridge(o: { port: number; token: string; staticDir: string; handlers: UiHandlers; log: Logger }): Promise<UiBridge> {
  const sockets = new Set<WebSocket>();
  const server = createServer((req, res) => serveFile(o.staticDir, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let origin = '';

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('token') ?? '';
    const isTokenOk = token.length === o.token.length && timingSafeEqual(Buffer.from(token), Buffer.from(o.token));
    const isOriginOk = req.headers.origin === origin || req.headers.origin === origin.replace('127.0.0.1', 'localhost');
    if (url.pathname !== WS_PATH || !isTokenOk || !isOriginOk) {
      o.log.warn({ path: url.pathname, origin: req.headers.origin }, 'ui bridge: refused a WebSocket (wrong path, token or origin)');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data: Buffer) => void onMessage(ws, data.toString('utf8')));
    });
  });

  const send = (ws: WebSocket, message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  async function onMessage(ws: WebSocket, text: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return send(ws, { id: -1, error: { code: 'bad-request', message: 'not JSON' } });
    }
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
      return send(ws, { id, error: { code: 'bad-request', message: parsed.error.issues[0]?.message ?? 'invalid message' } });
    }
    const msg = parsed.data;
    switch (msg.method) {
      case 'heartbeat':
        o.handlers.heartbeat();
        return;
      case 'getStatus':
        return send(ws, { id: msg.id, result: (await o.handlers.getStatus()) ?? null });
      case 'technician': {
        const r = await o.handlers.technician(msg.params);
        return send(ws, r.ok ? { id: msg.id, result: r.value } : { id: msg.id, error: { code: r.error.code, message: r.error.message } });
      }
      case 'submitScan':
        return o.handlers.submitScan(msg.params) ? send(ws, { id: msg.id, result: null }) : send(ws, { id: msg.id, error: { code: 'internal', message: 'the kiosk core is restarting' } });
      default:
        return undefined;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/guard/index.html#token=${o.token}`,
    port,
    broadcast(event) {
      for (const ws of sockets) send(ws, { event });
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A page's keep-alive connection (or one it opens while we stop) must not hold the kiosk up.
      server.closeAllConnections();
      return closed;
    },
  };
}

function serveFile(root: string, req: IncomingMessage, res: ServerResponse): void {
  const path = req.method === 'GET' || req.method === 'HEAD' ? confinedPath(root, new URL(req.url ?? '/', 'http://127.0.0.1').pathname) : undefined;
  if (!path || !existsSync(path) || !statSync(path).isFile()) {
    res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
}
