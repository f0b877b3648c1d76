import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signingString } from '../../common/wire.ts';
import { identityFromKey } from '../../core/identity/device-key.ts';
import { SignatureVerifier } from './auth.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';

/** docs/api-signing-vector.json lets integrators check their implementation; it must stay true. */
const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api-signing-vector.json'), 'utf8')) as Record<string, string>;

describe('documented request-signing vector', () => {
  it('is what the kiosk signs', async () => {
    const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(vector.privateKeySeedHex!, 'hex')]), format: 'der', type: 'pkcs8' });
    const msg = signingString({ method: vector.method!, path: vector.path!, timestamp: vector.timestamp!, nonce: vector.nonce!, contentSha256: vector.contentSha256!, deviceId: vector.deviceId! });
    expect(msg).toBe(vector.signingString);
    expect(identityFromKey(vector.deviceId!, key).sign(msg)).toBe(vector.signature);
  });

  it('is what the reference server accepts', async () => {
    const store = new SqliteStore(':memory:', () => Number(vector.timestamp));
    const { venueId } = await store.createVenue('Vector', 'office');
    store.db
      .prepare('INSERT INTO devices (id, venue_id, public_key, name, risk_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(vector.deviceId, venueId, vector.publicKey, 'vector', Buffer.alloc(32), 0);
    const verifier = new SignatureVerifier(store, () => Number(vector.timestamp));
    const headers = {
      'x-kiosk-device': vector.deviceId,
      'x-kiosk-timestamp': vector.timestamp,
      'x-kiosk-nonce': vector.nonce,
      'x-kiosk-content-sha256': vector.contentSha256,
      'x-kiosk-signature': vector.signature,
    };
    expect((await verifier.verify(vector.method!, vector.path!, headers, Buffer.from(vector.body!))).id).toBe(vector.deviceId);
  });
});
