import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueDcc, makeCsca, makeDsc, vaccination, type Authority, type Signer } from '../helpers/dcc-issuer.ts';
import { KIOSK_BIN } from '../helpers/cli.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';

const kiosk = (args: string[], input = '') => {
  const r = spawnSync(process.execPath, [KIOSK_BIN, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
};
let csca: Authority;
let dsc: Signer;
let dir: string;
let trustFile: string;

beforeAll(async () => {
  csca = await makeCsca('DE');
  dsc = await makeDsc(csca);
  dir = mkdtempSync(join(tmpdir(), 'cli-verify-'));
  trustFile = join(dir, 'trust.json');
  writeFileSync(trustFile, JSON.stringify([csca.entry, dsc.entry]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kiosk verify', () => {
  it('verifies a DCC from standard input against a trust file: one JSON object, every stage', async () => {
    const r = kiosk(['verify', '--json', '--trust', trustFile], `${issueDcc(dsc, vaccination())}\n`);
    expect(r.code).toBe(0);
    const out = r.json();
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['format', 'text', 'stages', 'payload', 'verdict', 'reasons']));
    expect(out).toMatchObject({ format: 'eu-dcc', verdict: 'allow', reasons: ['vaccination-valid'], stages: { image: null, prefix: true, signature: true, expiry: true, keyUsage: true } });
  });

  it('takes the certificate off standard input ending in a lone CR (a scanner’s default suffix), as in CRLF or LF', () => {
    for (const end of ['\r', '\r\n', '\n']) {
      const r = kiosk(['verify', '--json', '--trust', trustFile], `${issueDcc(dsc, vaccination())}${end}`);
      expect(r.json(), JSON.stringify(end)).toMatchObject({ verdict: 'allow', stages: { base45: true, signature: true } });
    }
  });

  it('--json on a certificate whose schema fails reports every stage’s own result and why', () => {
    const hcert = { ...vaccination(), dob: undefined, v: [{ ...(vaccination().v as object[])[0], ma: 'ORG-0' }] };
    const later = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const out = kiosk(['verify', '--json', '--trust', trustFile, '--at', later], issueDcc(dsc, hcert)).json();
    expect(out).toMatchObject({
      verdict: 'deny',
      stages: { cbor: true, schema: false, valueSets: false, signature: true, expiry: false, keyUsage: true },
      reasons: ['schema-invalid', 'value-set-unknown', 'dcc-expired'],
    });
    const problems = out.problems as Record<string, string>;
    expect(Object.keys(problems)).toEqual(['schema', 'valueSets', 'expiry']);
    expect(problems.schema).toMatch(/required property 'dob'/);
    expect(problems.valueSets).toMatch(/\/v\/0\/ma "ORG-0"/);
    expect(problems.expiry).toMatch(/^expired at /);
  });

  it('--at moves the clock: the same certificate is expired a year later', () => {
    const r = kiosk(['verify', '--json', '--trust', trustFile, '--at', new Date(Date.now() + 365 * 86_400_000).toISOString()], issueDcc(dsc, vaccination()));
    expect(r.json()).toMatchObject({ verdict: 'deny', stages: { expiry: false } });
    expect(r.json().reasons).toContain('dcc-expired');
  });

  it('parses a Vietnamese QR: identity only, verdict unknown until a status lookup', async () => {
    const r = kiosk(['verify', '--json'], '079303001234||Nguyễn Thị Ánh Tuyết|15082003|Nữ|Quận 1|20052021');
    expect(r.json()).toMatchObject({ format: 'vn-cccd', verdict: 'unknown', payload: { subject: { type: 'cccd', id: '079303001234' }, displayName: 'Nguyễn T. Á. T.' } });
  });

  it.each([
    ['garbage', 'zzzz not a qr', { format: 'unknown', verdict: 'deny', stages: { prefix: false } }],
    ['empty input', '', { verdict: 'deny', reasons: ['unreadable'] }],
    ['a venue poster', 'https://qrcode.pccovid.gov.vn/checkin?l=1', { format: 'venue-qr', verdict: 'deny', reasons: ['unreadable', 'venue-qr'] }],
  ])('denies %s with exit 0 and a reason', (_label, input, expected) => {
    const r = kiosk(['verify', '--json'], input);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject(expected);
  });

  it('says why an image has no QR', async () => {
    const png = join(dir, 'not.png');
    writeFileSync(png, 'this is not a PNG');
    expect(kiosk(['verify', '--json', '--image', png]).json()).toMatchObject({ format: 'unknown', text: null, stages: { image: false }, verdict: 'deny' });
  });

  it.each([
    [['--at', 'yesterday'], /--at "yesterday" is not an ISO-8601 time/],
    [['--trust', '/nonexistent/trust.json'], /trust file \/nonexistent\/trust.json/],
    [['--image', '/nonexistent.png'], /--image \/nonexistent.png/],
  ])('refuses bad usage %j with exit 2 and the reason', (args, message) => {
    const r = kiosk(['verify', '--json', ...args], 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});

describe('kiosk server trust import', () => {
  it('publishes a list version, then no new version for the same list', async () => {
    const db = join(dir, 'server.db');
    expect(kiosk(['server', 'trust', 'import', trustFile, '--db', db, '--json']).json()).toMatchObject({ version: 1, added: 2, removed: 0 });
    expect(kiosk(['server', 'trust', 'import', trustFile, '--db', db, '--json']).json()).toMatchObject({ version: 1, added: 0 });
    const store = new SqliteStore(db);
    expect((await store.trustList.since(0)).valueSets?.['vaccines-covid-19-names']?.['EU/1/20/1528']).toBe('Comirnaty');
    await store.close();
  });

  it('refuses a list with a wrong kid and writes nothing', async () => {
    const db = join(dir, 'server2.db');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ ...dsc.entry, kid: 'AAAAAAAAAAA=' }]));
    const r = kiosk(['server', 'trust', 'import', bad, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/kid AAAAAAAAAAA= does not match its certificate/);
    const store = new SqliteStore(db);
    expect(await store.trustList.version()).toBe(0);
    await store.close();
  });
});
