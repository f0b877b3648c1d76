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
export class SignatureVerifier {
  private readonly store: ServerStore;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyObject>();

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

    const device = await this.store.device(deviceId);
    if (!device) throw new KioskError('unauthorized', 'unknown device: enroll it first');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw new KioskError('unauthorized', 'malformed nonce');
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== contentSha256) throw new KioskError('unauthorized', 'body digest does not match x-kiosk-content-sha256');
    const message = signingString({ method, path, timestamp, nonce, contentSha256, deviceId });
    let isValid = false;
    try {
      isValid = verify(null, Buffer.from(message, 'utf8'), this.key(device), Buffer.from(signature, 'base64url'));
    } catch {
      isValid = false;
    }
    if (!isValid) throw new KioskError('unauthorized', 'signature does not verify');
    // Checked after the signature: only the device itself learns it was decommissioned.
    if (device.revokedAt !== undefined) throw new KioskError('forbidden', `device ${device.id} was decommissioned; provision it again with a new enrollment code`);

    const ts = Number(timestamp);
    const now = this.now();
    if (!Number.isFinite(ts) || Math.abs(ts - now) > MAX_CLOCK_SKEW_MS) {
      throw new ClockSkewError(`request time ${timestamp} is more than ${MAX_CLOCK_SKEW_MS / 1000} s from the server clock`, now);
    }
    if (!(await this.store.useNonce(deviceId, nonce, now + 2 * MAX_CLOCK_SKEW_MS))) {
      throw new KioskError('replayed', 'nonce already used: this request was replayed');
    }
    return device;
  }

  private key(device: Device): KeyObject {
    let key = this.keys.get(device.id);
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: device.publicKey }, format: 'jwk' });
      this.keys.set(device.id, key);
    }
    return key;
  }
}
