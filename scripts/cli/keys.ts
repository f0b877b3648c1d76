import { existsSync } from 'node:fs';
import { KioskError } from '../../common/errors.ts';
import { generateAuthorityKey } from '../../core/privacy/seal.ts';
import { writeFileAtomic } from '../../core/runtime/atomic-file.ts';
import { fail, printJson } from './output.ts';

/** `kiosk keys authority --out FILE`: the private key stays with the health authority. */
export function authorityKeys(out: string): void {
  if (existsSync(out)) fail(new KioskError('bad-request', `${out} exists; refusing to overwrite a key`));
  const { privateKeyPem, publicKey } = generateAuthorityKey();
  writeFileAtomic(out, privateKeyPem, 0o600);
  printJson({ privateKeyFile: out, sealSubjectTo: publicKey });
}
