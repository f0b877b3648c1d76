import { describe, expect, it } from 'vitest';
import { cccdQr, makePeople, pcCovidQr } from '../../server/services/seed.ts';
import { parsePayload } from './parse.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parsePayload(enc(s));

// A person built from the published CCCD structure: 079 (HCMC), 3 = female born 2000-2099, 03 = 2003.
const TUYET = '079303001234||Nguyễn Thị Ánh Tuyết|15082003|Nữ|Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh|20052021';

describe('parsePayload: vn-cccd', () => {
  it('reads the 7-field chip ID card QR, keeping only the ID number', () => {
    const c = parse(TUYET);
    expect(c).toMatchObject({ format: 'vn-cccd', assurance: 'identity-only', subject: { type: 'cccd', id: '079303001234' } });
    expect(c.displayName).toBe('Nguyễn T. Á. T.');
    // Address and date of birth never leave the parser.
    expect(JSON.stringify(c)).not.toMatch(/Bến Nghé|15082003/);
  });

  it('keeps the old CMND number the QR carries as the second identifier', () => {
    const c = parse(TUYET.replace('||', '|025123456|'));
    expect(c).toMatchObject({ subject: { type: 'cccd', id: '079303001234' }, altSubject: { type: 'cmnd', id: '025123456' } });
    expect(parse(TUYET).altSubject).toBeUndefined();
  });

  it('reads the 11-field variant', () => {
    const c = parse(`${TUYET}||||`);
    expect(c.format).toBe('vn-cccd');
    expect(c.subject?.id).toBe('079303001234');
  });

  it('reads generated people of every province and both sexes', () => {
    for (const p of makePeople(300, 1)) {
      const c = parse(cccdQr(p, p.cccd.endsWith('1') ? 11 : 7));
      expect(c.assurance, `${cccdQr(p)} → ${c.problem}`).toBe('identity-only');
    }
  });

  it('strips an AIM symbology prefix and the UTF-8 ECI marker', () => {
    expect(parse(`]Q1${TUYET}`).subject?.id).toBe('079303001234');
    expect(parse(`\\000026${TUYET}`).subject?.id).toBe('079303001234');
  });

  it.each([
    ['a truncated QR', TUYET.slice(0, 60), /6 fields, expected 7 or 11/],
    ['an over-long QR', `${TUYET}|a|b|c|d|e`, /12 fields, expected 7 or 11/],
    ['an ID number that contradicts the birth year', TUYET.replace('079303', '079390'), /does not match the date of birth/],
    ['an ID number that contradicts the sex', TUYET.replace('079303', '079203'), /does not match the sex/],
    ['an impossible birth date', TUYET.replace('15082003', '31022003'), /date of birth/],
    ['an unknown sex value', TUYET.replace('|Nữ|', '|F|'), /sex/],
    ['a name with digits', TUYET.replace('Nguyễn Thị Ánh Tuyết', 'Nguyen 123'), /name/],
    ['eight fields', `${TUYET}|x`, /8 fields, expected 7 or 11/],
    ['pipes matching no format', 'a|b|c', /3 \|-separated fields match no known QR/],
  ])('denies %s as unreadable with a reason a technician can read', (_label, text, problem) => {
    const c = parse(text);
    expect(c.assurance).toBe('unreadable');
    expect(c.reasons).toContain('unreadable');
    expect(c.subject).toBeNull();
    expect(c.problem).toMatch(problem);
  });
});

describe('parsePayload: vn-pccovid', () => {
  const [p] = makePeople(1, 3);
  it('uses the ID number when it is shown in full', () => {
    const c = parse(pcCovidQr(p!));
    expect(c).toMatchObject({ format: 'vn-pccovid', subject: { type: 'cccd', id: p!.cccd }, altSubject: { type: 'qid', id: p!.qid } });
  });

  it('uses the QID when the number is masked', () => {
    const c = parse(pcCovidQr(p!, true));
    expect(c).toMatchObject({ format: 'vn-pccovid', subject: { type: 'qid', id: p!.qid }, facts: { isMasked: true } });
  });

  it('reads a passport holder', () => {
    const c = parse('C1234567|NGUYEN VAN A|1990|HC|QR00000123456|');
    expect(c.subject).toEqual({ type: 'passport', id: 'C1234567' });
  });

  it('refuses an unknown document type', () => {
    const c = parse('001099012345|Lê Văn B|01/01/1990|XYZ|QR0000012345|');
    expect(c.assurance).toBe('unreadable');
    expect(c.problem).toMatch(/document type/);
  });
});

describe('parsePayload: hostile and broken input', () => {
  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['invalid UTF-8', Uint8Array.of(0xc3, 0x28, 0x41), /UTF-8/],
    ['binary garbage', Uint8Array.from({ length: 200 }, (_, i) => (i * 37) % 256), /UTF-8|control/],
    ['control characters', enc('abc\u0001def'), /control/],
    ['5 kB', enc('A'.repeat(5000)), /exceeds/],
    ['blank', enc('   '), /blank/],
  ])('%s is unreadable', (_label, bytes, problem) => {
    const c = parsePayload(bytes);
    expect(c.assurance).toBe('unreadable');
    expect(c.reasons).toEqual(['unreadable']);
    expect(c.problem).toMatch(problem);
  });

  it('reports text of no known format as unreadable and unknown-format', () => {
    const c = parse('https://example.com/menu');
    expect(c).toMatchObject({ format: 'unknown', assurance: 'unreadable', reasons: ['unreadable', 'unknown-format'] });
  });
});
