import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * An HTTP proxy between kiosk and server that breaks requests on purpose. Every fault is one a
 * field network produces: resets before and after the server stored a batch, 5xx, answers slower
 * than the kiosk waits, answers dripped a byte at a time, and bodies cut off mid-way.
 */
export const FAULTS = ['pass', 'reset-before', 'error-503', 'forward-then-reset', 'forward-then-502', 'delay', 'slow-drip', 'truncate'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultProxy {
  url: string;
  counts: Record<Fault, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, options: { random: () => number; passRate?: number; delayMs?: number }): Promise<FaultProxy> {
  const target = new URL(upstream);
  const counts = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const passRate = options.passRate ?? 0.4;
  const pick = (): Fault => {
    if (options.random() < passRate) return 'pass';
    return FAULTS[1 + Math.floor(options.random() * (FAULTS.length - 1))] as Fault;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const fault = pick();
    counts[fault]++;
    switch (fault) {
      case 'reset-before':
        req.socket.destroy();
        return;
      case 'error-503':
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"injected"}}');
        return;
      default:
        break;
    }
    const answer = await forward(req, body);
    const headers = { ...answer.headers, 'content-length': String(answer.body.length), connection: 'close' };
    switch (fault) {
      case 'forward-then-reset':
        req.socket.destroy();
        return;
      case 'forward-then-502':
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, options.delayMs ?? 2500));
        if (!res.destroyed) res.writeHead(answer.status, headers).end(answer.body);
        return;
      case 'slow-drip': {
        res.writeHead(answer.status, headers);
        for (let i = 0; i < answer.body.length && !res.destroyed; i++) {
          res.write(answer.body.subarray(i, i + 1));
          await new Promise((r) => setTimeout(r, 40));
        }
        res.end();
        return;
      }
      case 'truncate':
        res.writeHead(answer.status, headers);
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        req.socket.destroy();
        return;
      default:
        res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) }).end(answer.body);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
