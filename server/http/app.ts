import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { sign } from 'node:crypto';
import { KioskError } from '../../common/errors.ts';
import { SERVER_TIME_HEADERS, serverTimeSigningString, SIGNATURE_HEADERS } from '../../common/wire.ts';
import { adminRoutes } from './admin-routes.ts';
import { SignatureVerifier } from './auth.ts';
import { kioskRoutes } from './kiosk-routes.ts';
import { traceRoutes } from './trace-routes.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { consoleRoutes } from './console-routes.ts';
import { checkSameSite, ConsoleSessions, cookieValue, SESSION_COOKIE } from '../services/console-session.ts';
import { reportRoutes } from './report-routes.ts';
import { checkAllowed, principalOf } from '../services/tokens.ts';
import { DEFAULT_MAX_INFLIGHT_UPLOADS, type RouteContext, type ServerOptions } from './context.ts';
import { bearerToken, bodyOf, sameSecret, sendError } from './plumbing.ts';

export type { RateLimit, RouteContext, ServerOptions } from './context.ts';
export { DEFAULT_ENROLL_LIMITS } from './context.ts';

/**
 * The reference tracing server (docs/api.md). Every body is read as raw bytes first: the signature
 * covers the bytes as sent, and gzip is inflated by us with a size cap. Routes live in one module per
 * audience; they parse, check who may call, and call the store.
 */
const UPLOAD_ROUTES = new Set(['/v1/batches', '/v1/passages']);

export function buildServer(options: ServerOptions): FastifyInstance {
  const { store } = options;
  const now = options.now ?? Date.now;
  const verifier = new SignatureVerifier(store, now);
  const inflatedLimit = options.inflatedLimitBytes ?? 64 * 1024 * 1024;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    keepAliveTimeout: 65_000,
    trustProxy: options.trustProxy ?? false,
    // Kiosk ids, nonces and signatures are short; anything huge in a header is hostile.
    routerOptions: { maxParamLength: 200 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (_req, _payload, done) =>
    done(new KioskError('unsupported-media-type', 'send application/json (optionally with content-encoding: gzip)'), undefined),
  );

  app.setErrorHandler((err: unknown, _req, reply) => sendError(reply, err));

  // Admission control for uploads, before the body is read: past the limit a request would only wait
  // (for the database pool, then time out); answered busy now, the kiosk retries when told and loses nothing.
  const maxInflight = options.maxInflightUploads ?? DEFAULT_MAX_INFLIGHT_UPLOADS;
  let inflight = 0;
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST' || !UPLOAD_ROUTES.has(req.routeOptions.url ?? '')) return;
    if (inflight >= maxInflight) throw new KioskError('server-busy', `the server is handling ${inflight} uploads; retry after the Retry-After delay`);
    inflight++;
    // 'close' on the response: sent, or the connection gone; either way the slot is free again.
    reply.raw.once('close', () => inflight--);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new KioskError('not-found', 'no such endpoint')));

  const sessions = new ConsoleSessions({ serverKey: store.serverKey, store: store.tracing, now, ...(options.adminToken ? { adminToken: options.adminToken } : {}), ...(options.consoleSessionMs ? { sessionMs: options.consoleSessionMs } : {}) });
  // A bearer token, else the web console's session cookie (same-site requests only).
  const principalOfRequest = async (req: FastifyRequest) => {
    const bearer = bearerToken(req);
    const session = bearer === '' ? cookieValue(req.headers.cookie, SESSION_COOKIE) : undefined;
    if (session === undefined) return principalOf(store.tracing, bearer, options.adminToken, sameSecret);
    checkSameSite(req.headers, true);
    return sessions.principal(session);
  };

  const context: RouteContext = {
    store,
    now,
    options,
    bodyOf: (req, schema) => bodyOf(req, schema, inflatedLimit),
    async signed(req, reply) {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      req.device = await verifier.verify(req.method, req.url, req.headers, raw);
      // The server's time, signed over this request's nonce: a kiosk without a real-time clock can trust it.
      const time = String(now());
      const nonce = String(req.headers[SIGNATURE_HEADERS.nonce]);
      reply.header(SERVER_TIME_HEADERS.time, time);
      reply.header(SERVER_TIME_HEADERS.signature, sign(null, Buffer.from(serverTimeSigningString(time, nonce)), store.serverKey).toString('base64url'));
    },
    isOperator: (req) => options.adminToken !== undefined && sameSecret(bearerToken(req), options.adminToken),
    async admin(req) {
      await context.authorize(req, 'venues.manage');
    },
    async authorize(req, action, venueId) {
      const principal = await principalOfRequest(req);
      checkAllowed(principal, action, venueId);
      return principal;
    },
  };

  kioskRoutes(app, context);
  adminRoutes(app, context);
  traceRoutes(app, context);
  reportRoutes(app, context);
  fleetRoutes(app, context);
  consoleRoutes(app, context, sessions);
  return app;
}
