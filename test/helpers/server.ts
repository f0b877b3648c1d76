import { generateKeyPairSync, createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { identityFromKey, rawPublicKey, type DeviceIdentity } from '../../core/identity/device-key.ts';
import { SIGNATURE_HEADERS, signingString } from '../../common/wire.ts';
import { buildServer, type ServerOptions } from '../../server/app.ts';
import { ServerStore } from '../../server/store.ts';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: ServerStore;
  dbPath: string;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<ServerOptions> = {}, dbPath?: string, port = 0): Promise<TestServer> {
  const path = dbPath ?? join(mkdtempSync(join(tmpdir(), 'kiosk-server-')), 'server.db');
  const store = options.store ?? new ServerStore(path, options.now);
  const app = buildServer({ ...options, store });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}`,
    app,
    store,
    dbPath: path,
    async close() {
      await app.close();
      store.close();
    },
  };
}

export interface EnrolledDevice {
  deviceId: string;
  venueId: string;
  riskListKey: string;
  privateKey: KeyObject;
  identity: DeviceIdentity;
}

export function enrollDevice(store: ServerStore, venueKind: 'hospital' | 'bus-station' = 'hospital'): EnrolledDevice {
  const { venueId, enrollmentCode } = store.createVenue('Test venue', venueKind);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { device } = store.enroll(enrollmentCode, rawPublicKey(publicKey), 'test');
  return { deviceId: device.id, venueId, riskListKey: device.riskKey.toString('base64url'), privateKey, identity: identityFromKey(device.id, privateKey) };
}

/** Headers of a correctly signed request; overrides let tests forge each part. */
export function signedHeaders(
  device: EnrolledDevice,
  method: string,
  path: string,
  body: Buffer,
  overrides: Partial<{ timestamp: string; nonce: string; deviceId: string; key: KeyObject }> = {},
): Record<string, string> {
  const timestamp = overrides.timestamp ?? String(Date.now());
  const nonce = overrides.nonce ?? randomBytes(16).toString('base64url');
  const deviceId = overrides.deviceId ?? device.deviceId;
  const contentSha256 = createHash('sha256').update(body).digest('hex');
  const signature = sign(null, Buffer.from(signingString({ method, path, timestamp, nonce, contentSha256, deviceId })), overrides.key ?? device.privateKey).toString('base64url');
  return {
    [SIGNATURE_HEADERS.device]: deviceId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.contentSha256]: contentSha256,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

