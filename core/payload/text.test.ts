import { describe, expect, it } from 'vitest';
import { decodePayloadText, hasVietnameseDiacritics, isPlausibleName, maskName, MAX_PAYLOAD_BYTES, parseVnDate } from './text.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodePayloadText', () => {
  it('accepts a payload of exactly the size limit and refuses one byte more', () => {
    expect(decodePayloadText(enc('a'.repeat(MAX_PAYLOAD_BYTES)))).toMatchObject({ ok: true });
    expect(decodePayloadText(enc('a'.repeat(MAX_PAYLOAD_BYTES + 1)))).toEqual({ ok: false, problem: `payload of ${MAX_PAYLOAD_BYTES + 1} bytes exceeds ${MAX_PAYLOAD_BYTES}` });
  });

  it('strips an AIM symbology identifier only at the start, and reports it only when there was one', () => {
    expect(decodePayloadText(enc(']Q1abc'))).toEqual({ ok: true, text: 'abc', symbology: ']Q1' });
    expect(decodePayloadText(enc('abc]Q1'))).toEqual({ ok: true, text: 'abc]Q1' });
    expect(Object.keys(decodePayloadText(enc('abc')))).toEqual(['ok', 'text']);
  });
});

describe('maskName', () => {
  it('keeps the family name and the initials of the other words, whatever the spacing', () => {
    expect(maskName('  Nguyễn   Thị Ánh  Tuyết ')).toBe('Nguyễn T. Á. T.');
    expect(maskName('Lê')).toBe('Lê');
    expect(maskName('   ')).toBe('');
  });
});

describe('isPlausibleName', () => {
  it('takes letters with their marks, spaces, apostrophes, dots and hyphens, from the first character on', () => {
    expect(isPlausibleName(' Nguyễn Văn A. ')).toBe(true);
    expect(isPlausibleName("H'Hen Niê")).toBe(true);
    expect(isPlausibleName('1Nguyen')).toBe(false);
    expect(isPlausibleName(' Nguyen')).toBe(true);
    expect(isPlausibleName('Nguyen 2')).toBe(false);
    expect(isPlausibleName(`A${'a'.repeat(99)}`)).toBe(true);
    expect(isPlausibleName(`A${'a'.repeat(100)}`)).toBe(false);
  });
});

describe('hasVietnameseDiacritics', () => {
  it('is true for any letter beyond ASCII and false for ASCII only', () => {
    expect(hasVietnameseDiacritics('Nguyen Van A')).toBe(false);
    expect(hasVietnameseDiacritics('Nguyễn')).toBe(true);
  });
});

describe('parseVnDate', () => {
  it('reads ddmmyyyy and dd/mm/yyyy, trimmed', () => {
    expect(parseVnDate('15082003')).toBe('2003-08-15');
    expect(parseVnDate(' 15/08/2003 ')).toBe('2003-08-15');
  });

  it('refuses other shapes, anchored at both ends', () => {
    expect(parseVnDate('x15082003')).toBeUndefined();
    expect(parseVnDate('150820031')).toBeUndefined();
    expect(parseVnDate('15-08-2003')).toBeUndefined();
  });

  it('checks the year range, the month and the day against the calendar', () => {
    expect(parseVnDate('01011900')).toBe('1900-01-01');
    expect(parseVnDate('31121899')).toBeUndefined();
    expect(parseVnDate('31122100')).toBe('2100-12-31');
    expect(parseVnDate('01012101')).toBeUndefined();
    expect(parseVnDate('01002000')).toBeUndefined();
    expect(parseVnDate('01132000')).toBeUndefined();
    expect(parseVnDate('00012000')).toBeUndefined();
    expect(parseVnDate('29022000')).toBe('2000-02-29');
    expect(parseVnDate('29022001')).toBeUndefined();
    expect(parseVnDate('31042001')).toBeUndefined();
  });
});
