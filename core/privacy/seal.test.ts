import { describe, expect, it } from 'vitest';
import { generateAuthorityKey, SubjectSealer, unsealSubject } from './seal.ts';

const subject = { type: 'cccd' as const, id: '079303001234' };

describe('SubjectSealer', () => {
  const authority = generateAuthorityKey();
  const sealer = new SubjectSealer(authority.publicKey);

  it('seals so that only the authority opens it, for that entry only', () => {
    const sealed = sealer.seal(subject, 'entry-1');
    expect(sealed).not.toContain('079303001234');
    expect(unsealSubject(sealed, 'entry-1', authority.privateKeyPem)).toEqual(subject);
    expect(() => unsealSubject(sealed, 'entry-2', authority.privateKeyPem)).toThrow(/does not open/);
  });

  it('uses a fresh ephemeral key each time', () => {
    expect(sealer.seal(subject, 'e')).not.toBe(sealer.seal(subject, 'e'));
  });

  it('refuses another key and a tampered blob', () => {
    const sealed = sealer.seal(subject, 'e');
    expect(() => unsealSubject(sealed, 'e', generateAuthorityKey().privateKeyPem)).toThrow(/does not open/);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 20]! ^= 1;
    expect(() => unsealSubject(bytes.toString('base64url'), 'e', authority.privateKeyPem)).toThrow(/does not open/);
  });

  it('refuses a malformed public key in the config', () => {
    expect(() => new SubjectSealer('AAAA')).toThrow(/32-byte X25519/);
  });
});
