import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCsca, makeDsc } from '../../test/helpers/dcc-issuer.ts';

/**
 * Writes scripts/dcc/demo-signer.json: a DEMO country ("XD") CSCA and document signer, with the
 * signer's private key, so `kiosk demo` can issue a foreign traveller's certificate that verifies
 * through the real trust-list sync. Not an issuer anyone trusts: run once, commit the file.
 */
const DAY = 86_400_000;
const from = Date.parse('2026-01-01T00:00:00Z');
const csca = await makeCsca('XD', from + 365 * DAY);
const dsc = await makeDsc(csca, { notBeforeMs: from, notAfterMs: from + 10 * 365 * DAY });
const out = {
  note: 'DEMO ONLY: a made-up issuer for kiosk demo; never put these certificates in a production trust list',
  csca: csca.entry,
  dsc: dsc.entry,
  dscPrivateKeyPem: dsc.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
};
const path = join(import.meta.dirname, 'demo-signer.json');
writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`wrote ${path} (kid ${dsc.kid})\n`);
