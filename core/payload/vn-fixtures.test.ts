import { describe, expect, it } from 'vitest';
import { VN_FIXTURES } from '../../test/fixtures/vn/payloads.ts';
import { bhytQr, makePeople } from '../../server/services/seed.ts';
import { parsePayload } from './parse.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('Vietnamese QR fixtures (built from each published structure)', () => {
  it.each(VN_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const c = parsePayload(enc(f.text));
    const { problem, ...rest } = f.expect;
    expect(c).toMatchObject(rest);
    if (problem) expect(c.problem).toMatch(problem);
    if (c.assurance === 'unreadable') {
      // Every bad fixture says why, and the parser names the field or the count.
      expect(f.why, 'a bad fixture documents its reason').toBeTruthy();
      expect(c.subject).toBeNull();
      expect(c.problem).toBeTruthy();
    }
    // Addresses and dates of birth never leave the parser.
    expect(JSON.stringify(c)).not.toMatch(/Bến Nghé|Điện Biên|15082003|02091985|07\/11\/2008/);
  });

  it('covers every Vietnamese format and the venue poster, good and bad', () => {
    for (const format of ['vn-cccd', 'vn-pccovid', 'vn-bhyt', 'venue-qr']) {
      const own = VN_FIXTURES.filter((f) => f.expect.format === format);
      expect(own.some((f) => f.expect.assurance !== 'unreadable') || format === 'venue-qr', format).toBe(true);
      expect(own.length, format).toBeGreaterThan(1);
    }
  });

  it('reads the BHYT card of every generated person', () => {
    for (const p of makePeople(300, 5)) {
      const c = parsePayload(enc(bhytQr(p, { isTerminated: p.cccd.endsWith('7') ? false : true })));
      expect(c.assurance, c.problem).toBe('identity-only');
      expect(c.subject).toEqual({ type: 'bhyt', id: p.cccd.slice(2) });
    }
  });

  it('keeps a BHYT name intact through a keyboard-wedge scanner (hex is ASCII)', () => {
    const [p] = makePeople(1, 9);
    const c = parsePayload(enc(bhytQr(p!)), { isAsciiOnly: true });
    expect(c.reasons).not.toContain('scanner-mode-ascii');
    // Written out, not computed with maskName(): the masking is what is under test.
    expect(p!.name).toBe('Ngô Hữu Phúc');
    expect(c.displayName).toBe('Ngô H. P.');
  });
});
