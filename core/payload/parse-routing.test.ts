import { describe, expect, it } from 'vitest';
import { ENROLL_PREFIX } from '../../common/enroll.ts';
import { bhytQr, makePeople } from '../../server/services/seed.ts';
import { parsePayload } from './parse.ts';
import type { Credential } from './types.ts';
import { looksLikeUrl, parseUrl } from './venue-qr.ts';

/** Which parser a text reaches, and the keyboard-wedge flag: cases the mutation run found unchecked. */
const enc = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parsePayload(enc(s));
const wedge = (s: string, lostChars = 0) => parsePayload(enc(s), { isAsciiOnly: true, lostChars });

const CCCD_ASCII = '079303001234||Nguyen Thi Anh Tuyet|15082003|Nu|Phuong Ben Nghe|20052021';
const CCCD_VN = '079303001234||Nguyễn Thị Ánh Tuyết|15082003|Nữ|Phường Bến Nghé|20052021';
const PCCOVID_ASCII = '001099012345|Le Van B|01/01/1990|CCCD|QR0000012345|';
const PCCOVID_VN = '001099012345|Lê Văn B|01/01/1990|CCCD|QR0000012345|';
const PASSPORT = 'C1234567|NGUYEN VAN A|1990|HC|QR00000123456|';

describe('parsePayload routing', () => {
  it('refuses an enrollment QR as no personal QR', () => {
    const c = parse(`${ENROLL_PREFIX}abcdef`);
    expect(c).toMatchObject({ format: 'unknown', assurance: 'unreadable', reasons: ['unreadable', 'unknown-format'] });
    expect(c.problem).toMatch(/enrollment QR/);
  });

  it('hands an EU DCC to the verifier, or denies it as unverifiable without one', () => {
    const seen: string[] = [];
    const verified: Credential = { format: 'eu-dcc', assurance: 'signed-verified', subject: null, reasons: ['vaccination-valid'] };
    expect(parsePayload(enc('HC1:NCFOXN'), { verifyDcc: (t) => (seen.push(t), verified) })).toBe(verified);
    expect(seen).toEqual(['HC1:NCFOXN']);
    const c = parse('HC1:NCFOXN');
    expect(c).toMatchObject({ format: 'eu-dcc', assurance: 'unreadable', reasons: ['unreadable', 'signature-unknown-key'] });
    expect(c.problem).toMatch(/no certificate verifier/);
    // Only a prefix counts.
    expect(parse('NCFOXN HC1:').format).toBe('unknown');
  });

  it('tells text of no format from a web address', () => {
    expect(parse('hello').problem).toBe('text matches no known QR format');
    expect(parse('https://example.com/menu').problem).toBe('a web address (example.com), not a health QR');
  });
});

describe('venue QR', () => {
  it('recognises http and https addresses from their start only', () => {
    expect(looksLikeUrl('http://pccovid.gov.vn')).toBe(true);
    expect(looksLikeUrl('  HTTPS://pccovid.gov.vn')).toBe(true);
    expect(looksLikeUrl('see https://pccovid.gov.vn')).toBe(false);
  });

  it('names a venue poster by its host, subdomains included', () => {
    const c = parseUrl('https://checkin.tokhaiyte.vn/v/123');
    expect(c).toMatchObject({ format: 'venue-qr', assurance: 'unreadable', reasons: ['unreadable', 'venue-qr'], facts: { host: 'checkin.tokhaiyte.vn' } });
    expect(c.problem).toBe("a venue's check-in poster (checkin.tokhaiyte.vn), not a personal QR");
    expect(parseUrl('https://nottokhaiyte.vn/').format).toBe('unknown');
  });

  it('reports an address that does not parse', () => {
    expect(parseUrl('https://')).toMatchObject({ format: 'unknown', reasons: ['unreadable', 'unknown-format'], problem: 'a URL that does not parse' });
  });
});

describe('parsePayload through a keyboard wedge', () => {
  it('flags a Vietnamese ID card whose name arrived without a letter beyond ASCII', () => {
    expect(wedge(CCCD_ASCII).reasons).toContain('scanner-mode-ascii');
    expect(wedge(PCCOVID_ASCII).reasons).toContain('scanner-mode-ascii');
  });

  it('does not flag a name that kept its Vietnamese letters, nor a passport holder', () => {
    expect(wedge(CCCD_VN).reasons).not.toContain('scanner-mode-ascii');
    expect(wedge(PASSPORT).reasons).not.toContain('scanner-mode-ascii');
    // PC-COVID's name is its second field (CCCD's is the third).
    expect(wedge(PCCOVID_VN).reasons).not.toContain('scanner-mode-ascii');
    // The same cards through a scanner that carries UTF-8 are never flagged.
    expect(parse(CCCD_ASCII).reasons).not.toContain('scanner-mode-ascii');
  });

  it('flags any card when keys were lost, and keeps what was read', () => {
    const [p] = makePeople(1, 5);
    const c = wedge(bhytQr(p!), 3);
    expect(c.reasons).toContain('scanner-mode-ascii');
    expect(c.format).toBe('vn-bhyt');
    // Lost keys count even when the name that did arrive has Vietnamese letters.
    expect(wedge(CCCD_VN, 1).reasons).toContain('scanner-mode-ascii');
    expect(wedge(bhytQr(p!)).reasons).not.toContain('scanner-mode-ascii');
  });

  it('flags unreadable |-separated text (a mangled ID card) but not other unreadable text', () => {
    expect(wedge('a|b').reasons).toEqual(['unreadable', 'scanner-mode-ascii']);
    expect(wedge('a|Lê').reasons).toEqual(['unreadable', 'scanner-mode-ascii']);
    expect(wedge('hello').reasons).toEqual(['unreadable', 'unknown-format']);
  });
});
