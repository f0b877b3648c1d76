import { describe, expect, it } from 'vitest';
import { bhytQr, makePeople } from '../../server/services/seed.ts';
import { decodeHexUtf8, parseBhyt } from './vn-bhyt.ts';
import { looksLikeCccd, parseCccd } from './vn-cccd.ts';
import { parsePcCovid } from './vn-pccovid.ts';

/** Field-by-field limits of the three Vietnamese formats: cases the mutation run found unchecked. */
const replaced = (base: readonly string[], i: number, value: string) => base.map((f, j) => (j === i ? value : f));

describe('BHYT fields', () => {
  const [p] = makePeople(1, 11);
  const base = bhytQr(p!).split('|');
  const problem = (fields: readonly string[]) => parseBhyt(fields).problem;

  it('reads a card with its facts and no reasons of its own', () => {
    const c = parseBhyt(base);
    expect(c.reasons).toEqual([]);
    expect(c.facts).toEqual({ group: 'DN', benefitLevel: 4, province: base[0]!.slice(3, 5), validFrom: '2021-01-01', validTo: '2025-12-31' });
    expect(parseBhyt(replaced(base, 7, '-')).facts).not.toHaveProperty('validTo');
    expect(parseBhyt(replaced(base, 7, '')).facts).not.toHaveProperty('validTo');
  });

  it('takes 10 to 16 fields besides the terminator', () => {
    const body = base.slice(0, -1);
    expect(parseBhyt(body.slice(0, 10)).format).toBe('vn-bhyt');
    expect(parseBhyt(body.slice(0, 10)).assurance).toBe('identity-only');
    expect(problem(body.slice(0, 9))).toBe('BHYT QR: 9 fields, expected 10-16 (truncated or over-long QR)');
    expect(parseBhyt([...body, '', '', '', ''].slice(0, 16)).assurance).toBe('identity-only');
    expect(problem([...body, '', '', '', '', ''].slice(0, 17))).toMatch(/17 fields/);
  });

  it('names the field that is wrong', () => {
    expect(problem(replaced(base, 0, 'dn4790303001234'))).toMatch(/field 1 \(card number\)/);
    expect(problem(replaced(base, 1, '4e6'))).toBe('BHYT QR: field 2 (name) is not hex-encoded UTF-8');
    expect(problem(replaced(base, 2, 'x1990'))).toBe('BHYT QR: field 3 (date of birth) must be dd/mm/yyyy or yyyy');
    expect(problem(replaced(base, 2, '19901'))).toMatch(/field 3/);
    expect(problem(replaced(base, 2, '199'))).toMatch(/field 3/);
    expect(problem(replaced(base, 2, 'abcd'))).toMatch(/field 3/);
    expect(parseBhyt(replaced(base, 2, '1990')).assurance).toBe('identity-only');
    expect(problem(replaced(base, 3, '3'))).toBe('BHYT QR: field 4 (sex) must be 1 (male), 2 (female) or 0');
    expect(parseBhyt(replaced(base, 3, '0')).assurance).toBe('identity-only');
    expect(problem(replaced(base, 4, ''))).toBe('BHYT QR: field 5 (address) is not hex-encoded UTF-8');
    expect(problem(replaced(base, 7, '31/13/2025'))).toBe('BHYT QR: field 8 (valid to) must be a dd/mm/yyyy date or -');
  });

  it('decodes whole bytes of valid UTF-8 hex only', () => {
    expect(decodeHexUtf8('4cc3aa')).toBe('Lê');
    expect(decodeHexUtf8('')).toBeUndefined();
    expect(decodeHexUtf8('4c6')).toBeUndefined();
    expect(decodeHexUtf8('zz4c')).toBeUndefined();
    expect(decodeHexUtf8('4czz')).toBeUndefined();
    expect(decodeHexUtf8('ff')).toBeUndefined();
  });
});

describe('CCCD fields', () => {
  const base = ['079303001234', '', 'Nguyễn Thị Ánh Tuyết', '15082003', 'Nữ', 'Phường Bến Nghé', '20052021'];
  const problem = (fields: readonly string[]) => parseCccd(fields).problem;

  it('recognises the shape by a whole 12-digit number and, for odd field counts, a whole 8-digit date', () => {
    expect(looksLikeCccd(base)).toBe(true);
    expect(looksLikeCccd(replaced(base, 0, 'a079303001234'))).toBe(false);
    expect(looksLikeCccd(replaced(base, 0, '0793030012345'))).toBe(false);
    expect(looksLikeCccd([...base, ''])).toBe(true);
    expect(looksLikeCccd(replaced([...base, ''], 3, 'x15082003'))).toBe(false);
    expect(looksLikeCccd(replaced([...base, ''], 3, '150820031'))).toBe(false);
  });

  it('reads a card with its facts and no reasons of its own', () => {
    const c = parseCccd(base);
    expect(c.reasons).toEqual([]);
    expect(c.facts).toEqual({ fieldCount: 7, province: '079' });
  });

  it('names the field that is wrong', () => {
    expect(problem(replaced(base, 0, 'a79303001234'))).toBe('CCCD QR: field 1 (ID number) must be 12 digits');
    expect(problem(replaced(base, 0, 'a079303001234'))).toMatch(/field 1/);
    expect(problem(replaced(base, 0, '0793030012345'))).toMatch(/field 1/);
    expect(problem(replaced(base, 1, '0251234567'))).toMatch(/field 2 \(old CMND number\)/);
    expect(problem(replaced(base, 1, 'a025123456'))).toMatch(/field 2/);
    expect(problem(replaced(base, 6, '32132021'))).toBe('CCCD QR: field 7 (issue date) is not a ddmmyyyy date');
  });
});

describe('PC-COVID fields', () => {
  const base = ['001099012345', 'Lê Văn B', '01/01/1990', 'CCCD', 'QR0000012345', ''];
  const problem = (fields: readonly string[]) => parsePcCovid(fields).problem;

  it('reads a QR with its facts and no reasons of its own', () => {
    const c = parsePcCovid(base);
    expect(c.reasons).toEqual([]);
    expect(c.facts).toEqual({ isMasked: false, extEntries: 0 });
    expect(parsePcCovid(replaced(base, 5, 'a=1;b=2')).facts).toEqual({ isMasked: false, extEntries: 2 });
    expect(parsePcCovid(replaced(base, 3, ' hc ')).subject).toEqual({ type: 'passport', id: '001099012345' });
  });

  it('shows a masked name without its stars', () => {
    const c = parsePcCovid(replaced(replaced(base, 0, '0010*****345'), 1, 'L* V** B'));
    expect(c.displayName).toBe('L V. B.');
    expect(c.subject).toEqual({ type: 'qid', id: 'QR0000012345' });
  });

  it('names the field that is wrong', () => {
    expect(problem(replaced(base, 0, 'x001099012345'))).toBe('PC-COVID QR: field 1 (document number) must be 6-20 digits, capitals or *');
    expect(problem(replaced(base, 0, '001099012345x'))).toMatch(/field 1/);
    expect(problem(replaced(base, 1, '1Le'))).toBe('PC-COVID QR: field 2 (name) is not a name');
    expect(problem(replaced(base, 1, 'Lê 2'))).toMatch(/field 2/);
    expect(parsePcCovid(replaced(base, 1, ' Lê Văn B ')).assurance).toBe('identity-only');
    expect(parsePcCovid(replaced(base, 2, '')).assurance).toBe('identity-only');
    expect(parsePcCovid(replaced(base, 2, '1990')).assurance).toBe('identity-only');
    expect(problem(replaced(base, 2, '19901'))).toBe('PC-COVID QR: field 3 (date of birth) must be dd/mm/yyyy, ddmmyyyy, yyyy or empty');
    expect(problem(replaced(base, 2, 'x1990'))).toMatch(/field 3/);
    expect(problem(replaced(base, 4, '!QR0000012345'))).toMatch(/field 5 \(QID\)/);
    expect(problem(replaced(base, 4, 'QR0000012345!'))).toMatch(/field 5/);
    expect(parsePcCovid(replaced(base, 5, 'x'.repeat(512))).assurance).toBe('identity-only');
    expect(problem(replaced(base, 5, 'x'.repeat(513)))).toBe('PC-COVID QR: field 6 (EXT) is longer than 512 characters');
  });
});
