import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { KioskError } from '../../common/errors.ts';
import { MAX_CLOCK_SKEW_MS, SIGNATURE_HEADERS, signingString } from '../../common/wire.ts';
import type { Device, ServerStore } from '../store/store.ts';

export class ClockSkewError extends KioskError {
  readonly serverTime: number;
  constructor(message: string, serverTime: number) {
    super('clock-skew', message);
    this.name = 'ClockSkewError';
    this.serverTime = serverTime;
  }
}

/**
 * Verifies a kiosk's request signature (docs/api.md, "Request signing"): known device, digest of the
 * body bytes as received, Ed25519 signature over the signing string, timestamp within the skew
 * window (else the answer carries the server time), and a nonce never seen before.
 */
const MAX_KNOWN_DEVICES = 200_000;

export class SignatureVerifier {
  private readonly store: ServerStore;
  private readonly now: () => number;
  /** What never changes about a device (its key, venue, risk key), kept so a request costs one query. */
  private readonly known = new Map<string, { device: Device; key: KeyObject }>();

  constructor(store: ServerStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  async verify(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Device> {
    const h = (name: string): string => {
      const v = headers[name];
      if (typeof v !== 'string' || v === '') throw new KioskError('unauthorized', `missing header ${name}: requests must be signed`);
      return v;
    };
    const deviceId = h(SIGNATURE_HEADERS.device);
    const timestamp = h(SIGNATURE_HEADERS.timestamp);
    const nonce = h(SIGNATURE_HEADERS.nonce);
    const contentSha256 = h(SIGNATURE_HEADERS.contentSha256);
    const signature = h(SIGNATURE_HEADERS.signature);

    const known = this.known.get(deviceId) ?? (await this.learn(deviceId));
    if (!known) throw new KioskError('unauthorized', 'unknown device: enroll it first');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw new KioskError('unauthorized', 'malformed nonce');
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== contentSha256) throw new KioskError('unauthorized', 'body digest does not match x-kiosk-content-sha256');
    const message = signingString({ method, path, timestamp, nonce, contentSha256, deviceId });
    let isValid = false;
    try {
      isValid = verify(null, Buffer.from(message, 'utf8'), known.key, Buffer.from(signature, 'base64url'));
    } catch {
      isValid = false;
    }
    if (!isValid) throw new KioskError('unauthorized', 'signature does not verify');

    const ts = Number(timestamp);
    const now = this.now();
    // Revocation and the nonce live in the database (every worker sees them), read in one step.
    const admission = await this.store.admitRequest(deviceId, nonce, now + 2 * MAX_CLOCK_SKEW_MS);
    if (!admission) throw new KioskError('unauthorized', 'unknown device: enroll it first');
    // Checked after the signature: only the device itself learns it was decommissioned.
    if (admission.revokedAt !== undefined) throw new KioskError('forbidden', `device ${deviceId} was decommissioned; provision it again with a new enrollment code`);
    if (!Number.isFinite(ts) || Math.abs(ts - now) > MAX_CLOCK_SKEW_MS) {
      throw new ClockSkewError(`request time ${timestamp} is more than ${MAX_CLOCK_SKEW_MS / 1000} s from the server clock`, now);
    }
    if (!admission.fresh) throw new KioskError('replayed', 'nonce already used: this request was replayed');
    return known.device;
  }

  private async learn(deviceId: string): Promise<{ device: Device; key: KeyObject } | undefined> {
    const device = await this.store.device(deviceId);
    if (!device) return undefined;
    const { revokedAt: _revokedAt, ...lasting } = device;
    const entry = { device: lasting, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: device.publicKey }, format: 'jwk' }) };
    // Bounded: a worker serving a whole country forgets and re-reads rather than grow without end.
    if (this.known.size >= MAX_KNOWN_DEVICES) this.known.clear();
    this.known.set(deviceId, entry);
    return entry;
  }
}
