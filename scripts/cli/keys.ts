import { existsSync } from 'node:fs';
import { KioskError } from '../../common/errors.ts';
import { hashPin } from '../../core/identity/pin.ts';
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

/** `kiosk keys pin`: the PIN on standard input (not the command line: it would land in shell history). */
export async function pinHashCommand(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  const pin = Buffer.concat(chunks).toString('utf8').trim();
  if (!/^\d{4,12}$/.test(pin)) fail(new KioskError('bad-request', 'the PIN must be 4-12 digits (give it on standard input)'));
  printJson({ technicianPinHash: hashPin(pin) });
}
