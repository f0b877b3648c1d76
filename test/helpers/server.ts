import { generateKeyPairSync, createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { identityFromKey, rawPublicKey, type DeviceIdentity } from '../../core/identity/device-key.ts';
import type { HealthStatus } from '../../common/verdict.ts';
import { SIGNATURE_HEADERS, signingString, type Subject } from '../../common/wire.ts';
import { buildServer, type ServerOptions } from '../../server/http/app.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import type { ServerStore } from '../../server/store/store.ts';

export interface TestServer<S extends ServerStore = SqliteStore> {
  url: string;
  app: FastifyInstance;
  store: S;
  dbPath: string;
  close(): Promise<void>;
}

const tempDirs = new Set<string>();

/**
 * A temporary folder removed when the test process exits: a test may close a server and start it
 * again on the same database file, so the folder outlives each server.
 */
export function tempDirRemovedAtExit(prefix: string): string {
  if (tempDirs.size === 0) process.once('exit', () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function startTestServer(options?: Partial<Omit<ServerOptions, 'store'>>, dbPath?: string, port?: number): Promise<TestServer>;
export async function startTestServer<S extends ServerStore>(options: Partial<Omit<ServerOptions, 'store'>> & { store: S }, dbPath?: string, port?: number): Promise<TestServer<S>>;
export async function startTestServer(options: Partial<Omit<ServerOptions, 'store'>> & { store?: ServerStore } = {}, dbPath?: string, port = 0): Promise<TestServer<ServerStore>> {
  const path = dbPath ?? options.store?.location ?? join(tempDirRemovedAtExit('kiosk-server-'), 'server.db');
  const store = options.store ?? new SqliteStore(path, options.now);
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
      await store.close();
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

export async function enrollDevice(store: ServerStore, venueKind: 'hospital' | 'bus-station' = 'hospital'): Promise<EnrolledDevice> {
  const { venueId, enrollmentCode } = await store.createVenue('Test venue', venueKind);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { device } = await store.enroll(enrollmentCode, rawPublicKey(publicKey), 'test');
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


/** One person's status on the server (and the risk list), as a health department would set it. */
export async function setStatus(store: ServerStore, subject: Subject, status: HealthStatus, flags: readonly string[] = [], declaredAt: number | null = null): Promise<void> {
  await store.setSubjectStatuses([{ subject, status, flags, declaredAt }]);
}
