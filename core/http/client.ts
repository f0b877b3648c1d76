import axios, { type AxiosInstance } from 'axios';
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { z } from 'zod';
import type { Clock } from '../../common/clock.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { SERVER_TIME_HEADERS, SIGNATURE_HEADERS, serverTimeSigningString, signingString, wireErrorSchema } from '../../common/wire.ts';
import type { DeviceIdentity } from '../identity/device-key.ts';

const gzipAsync = promisify(gzip);

/**
 * The one place that makes HTTP requests to the tracing server: kept-alive connections, request
 * signing, a response-size cap, and every outcome (network failure, 4xx, 5xx, garbage) as a value.
 * A kiosk treats a broken network as a normal state, so nothing here throws for it.
 */
export type HttpOutcome<T> =
  | { ok: true; status: number; value: T }
  | { ok: false; status: number | null; code: ErrorCode; message: string; retryAfterMs?: number };

export interface RequestOptions<S extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** A body that is already JSON text (sent as is). */
  jsonBody?: string;
  shouldGzip?: boolean;
  schema: S;
  /** Hard deadline for the whole request, connection included. */
  timeoutMs: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called as the request leaves (body compressed and signed): a load generator times the answer from here. */
  onSending?: () => void;
}

/** What the status checker and the uploader need from HTTP; tests pass a scripted fake. */
export interface HttpRequester {
  request<S extends z.ZodType>(options: RequestOptions<S>): Promise<HttpOutcome<z.output<S>>>;
}

export interface HttpClientOptions {
  baseUrl: string;
  identity?: DeviceIdentity;
  clock: Clock;
  /** The server's Ed25519 public key (raw, base64url): verifies the signed time on answers. */
  serverPublicKey?: string;
  /** Boot-monotonic ms, for time anchors (the same clock as the entries' `monoMs`). */
  bootMonoMs?: () => number;
  /** Called with a verified server time and the boot-monotonic instant it applies to. */
  onServerTime?: (serverTimeMs: number, bootMonoMs: number) => void;
  /** Larger answers are refused mid-stream (a misbehaving proxy must not exhaust memory). */
  maxResponseBytes?: number;
}

export class HttpClient implements HttpRequester {
  private readonly axios: AxiosInstance;
  private readonly identity: DeviceIdentity | undefined;
  private readonly clock: Clock;
  private readonly serverKey: KeyObject | undefined;
  private readonly options: HttpClientOptions;
  /** Server clock minus ours, learnt from a `clock-skew` answer; applied to signed timestamps. */
  private clockOffsetMs = 0;

  constructor(options: HttpClientOptions) {
    this.identity = options.identity;
    this.clock = options.clock;
    this.options = options;
    this.serverKey = options.serverPublicKey
      ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: options.serverPublicKey }, format: 'jwk' })
      : undefined;
    this.axios = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 8 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 8 }),
      responseType: 'arraybuffer',
      transformResponse: [(data: unknown) => data],
      maxContentLength: options.maxResponseBytes ?? 4 * 1024 * 1024,
      maxBodyLength: Infinity,
      maxRedirects: 0,
      proxy: false,
      validateStatus: () => true,
    });
  }

  get serverClockOffsetMs(): number {
    return this.clockOffsetMs;
  }

  async request<S extends z.ZodType>(options: RequestOptions<S>): Promise<HttpOutcome<z.output<S>>> {
    const first = await this.send(options);
    if (!first.ok && first.code === 'clock-skew' && this.identity) {
      // The server told us its time; one retry with corrected timestamps instead of a lock-out.
      return this.send(options);
    }
    return first;
  }

  private async send<S extends z.ZodType>(options: RequestOptions<S>): Promise<HttpOutcome<z.output<S>>> {
    let body: Buffer | undefined;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined || options.jsonBody !== undefined) {
      const json = Buffer.from(options.jsonBody ?? JSON.stringify(options.body), 'utf8');
      body = options.shouldGzip ? await gzipAsync(json) : json;
      headers['content-type'] = 'application/json';
      if (options.shouldGzip) headers['content-encoding'] = 'gzip';
    }
    if (this.identity) Object.assign(headers, this.signatureHeaders(options.method, options.path, body));

    const sentAtMono = this.options.bootMonoMs?.();
    options.onSending?.();
    try {
      const res = await this.axios.request<ArrayBuffer>({
        method: options.method,
        url: options.path,
        data: body,
        headers,
        timeout: options.timeoutMs,
        signal: options.signal ?? AbortSignal.timeout(options.timeoutMs + 50),
      });
      if (sentAtMono !== undefined) this.learnServerTime(res.headers, headers[SIGNATURE_HEADERS.nonce], sentAtMono);
      return this.interpret(res.status, Buffer.from(res.data ?? new ArrayBuffer(0)), res.headers['retry-after'], options.schema);
    } catch (err) {
      return { ok: false, status: null, code: networkCode(err), message: describeNetworkError(err) };
    }
  }

  /**
   * A server time signed over our request's nonce is trustworthy (no replay, no forgery): it fixes
   * our signing offset and becomes a time anchor at the request's midpoint (error ≤ RTT/2).
   */
  private learnServerTime(resHeaders: Record<string, unknown>, nonce: string | undefined, sentAtMono: number): void {
    const time = resHeaders[SERVER_TIME_HEADERS.time];
    const signature = resHeaders[SERVER_TIME_HEADERS.signature];
    if (!this.serverKey || typeof time !== 'string' || typeof signature !== 'string' || nonce === undefined) return;
    let isValid = false;
    try {
      isValid = verify(null, Buffer.from(serverTimeSigningString(time, nonce)), this.serverKey, Buffer.from(signature, 'base64url'));
    } catch {
      isValid = false;
    }
    const serverMs = Number(time);
    if (!isValid || !Number.isFinite(serverMs)) return;
    const receivedAtMono = this.options.bootMonoMs?.() ?? sentAtMono;
    const midpoint = (sentAtMono + receivedAtMono) / 2;
    this.clockOffsetMs = serverMs - this.clock.nowMs() + (receivedAtMono - midpoint);
    this.options.onServerTime?.(serverMs, midpoint);
  }

  private signatureHeaders(method: string, path: string, body: Buffer | undefined): Record<string, string> {
    const identity = this.identity as DeviceIdentity;
    const timestamp = String(Math.round(this.clock.nowMs() + this.clockOffsetMs));
    const nonce = randomBytes(16).toString('base64url');
    const contentSha256 = createHash('sha256')
      .update(body ?? Buffer.alloc(0))
      .digest('hex');
    const signature = identity.sign(
      signingString({ method, path, timestamp, nonce, contentSha256, deviceId: identity.deviceId }),
    );
    return {
      [SIGNATURE_HEADERS.device]: identity.deviceId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.contentSha256]: contentSha256,
      [SIGNATURE_HEADERS.signature]: signature,
    };
  }

  private interpret<S extends z.ZodType>(
    status: number,
    raw: Buffer,
    retryAfter: unknown,
    schema: S,
  ): HttpOutcome<z.output<S>> {
    let json: unknown;
    try {
      json = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      return { ok: false, status, code: status >= 500 ? 'server-unreachable' : 'server-rejected', message: `HTTP ${status}: answer is not JSON (${raw.length} bytes)` };
    }
    if (status >= 200 && status < 300) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        return { ok: false, status, code: 'server-rejected', message: `HTTP ${status}: answer does not match the API: ${parsed.error.issues[0]?.message ?? ''}` };
      }
      return { ok: true, status, value: parsed.data };
    }
    const wireError = wireErrorSchema.safeParse(json);
    const retryAfterMs = parseRetryAfter(retryAfter, this.clock.nowMs());
    if (wireError.success) {
      const { code, message, serverTime } = wireError.data.error;
      if (code === 'clock-skew' && serverTime !== undefined) this.clockOffsetMs = serverTime - this.clock.nowMs();
      return { ok: false, status, code, message: `HTTP ${status}: ${message}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    return {
      ok: false,
      status,
      code: status >= 500 || status === 429 ? 'server-unreachable' : 'server-rejected',
      message: `HTTP ${status}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
}

function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function networkCode(err: unknown): ErrorCode {
  if (axios.isAxiosError(err) && (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED')) {
    return 'request-timeout';
  }
  return 'server-unreachable';
}

function describeNetworkError(err: unknown): string {
  if (axios.isAxiosError(err)) return `${err.code ?? 'network error'}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
