import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { ROLE_ACTIONS } from './roles.ts';
import { checkSameSite, cookieValue, SESSION_COOKIE, type ConsoleSessions } from '../services/console-session.ts';
import type { RouteContext } from './context.ts';
import { RateLimitedError } from './plumbing.ts';

/**
 * The web console (issue 14) at /console/: static files and the session cookie. Everything the
 * console shows comes from the same /v1 API and role checks as the command line; a session is just
 * another way to present a role token (server/services/console-session.ts).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const loginSchema = z.strictObject({ token: z.string().min(1).max(200) });

/** Login attempts per address: tokens are 256-bit, but a login form must not be a free oracle. */
const LOGIN_LIMIT = { limit: 20, windowMs: 60_000 };

export function consoleRoutes(app: FastifyInstance, { store, bodyOf }: RouteContext, sessions: ConsoleSessions): void {
  const assets = consoleAssets();

  const secureHeaders = (reply: FastifyReply): FastifyReply =>
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store');

  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  app.get('/console/', async (_req, reply) => secureHeaders(reply).type('text/html; charset=utf-8').send(await assets.get('index.html')));
  app.get('/console/:file', async (req, reply) => {
    const { file } = req.params as { file: string };
    const type = CONTENT_TYPES[file];
    if (type === undefined) throw new KioskError('not-found', 'no such file');
    return secureHeaders(reply).type(type).send(await assets.get(file));
  });

  const cookie = (req: FastifyRequest, value: string, maxAgeS: number): string =>
    // Secure only over TLS: the reference server also runs on plain loopback HTTP for trying it.
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${req.protocol === 'https' ? '; Secure' : ''}`;

  app.post('/console/session', async (req, reply) => {
    checkSameSite(req.headers, false);
    const taken = await store.takeRateLimit(`console-login:${req.ip}`, LOGIN_LIMIT.limit, LOGIN_LIMIT.windowMs);
    if (!taken.allowed) throw new RateLimitedError('too many login attempts from this address: wait a minute', taken.retryAfterMs);
    const { token } = bodyOf(req, loginSchema);
    const { principal, cookie: value, expiresAt } = await sessions.open(token.trim());
    secureHeaders(reply).header('set-cookie', cookie(req, value, Math.floor(sessions.sessionMs / 1000)));
    return { role: principal.role, actor: principal.actor, venueId: principal.venueId ?? null, expiresAt, actions: ROLE_ACTIONS[principal.role] };
  });

  app.get('/console/session', async (req, reply) => {
    checkSameSite(req.headers, true);
    const value = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (value === undefined) throw new KioskError('unauthorized', 'not logged in');
    const p = await sessions.principal(value);
    secureHeaders(reply);
    return { role: p.role, actor: p.actor, venueId: p.venueId ?? null, expiresAt: p.expiresAt, actions: ROLE_ACTIONS[p.role] };
  });

  app.delete('/console/session', async (req, reply) => {
    checkSameSite(req.headers, true);
    return secureHeaders(reply).header('set-cookie', cookie(req, '', 0)).code(204).send();
  });
}

const CONTENT_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'uplot.css': 'text/css; charset=utf-8',
};

/**
 * The console's files: the client bundled by esbuild from server/console/ on first use (kept in
 * memory: no build step before `kiosk server start`), the HTML and CSS as written, uPlot's CSS.
 */
function consoleAssets(): { get(name: string): Promise<string> } {
  const dir = join(import.meta.dirname, '..', 'console');
  let bundle: Promise<string> | undefined;
  const build = async (): Promise<string> => {
    const { build: esbuild } = await import('esbuild');
    const out = await esbuild({
      entryPoints: [join(dir, 'console.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const file = out.outputFiles[0];
    if (!file) throw new KioskError('internal', 'the console bundle is empty');
    return file.text;
  };
  return {
    async get(name) {
      switch (name) {
        case 'console.js':
          bundle ??= build().catch((err: unknown) => {
            bundle = undefined;
            throw new KioskError('internal', `the console could not be built: ${(err as Error).message}`, { cause: err });
          });
          return bundle;
        case 'uplot.css':
          return readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
        default:
          return readFileSync(join(dir, name), 'utf8');
      }
    },
  };
}
