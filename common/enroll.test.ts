import { describe, expect, it } from 'vitest';
import { parsePayload } from '../core/payload/parse.ts';
import { formatEnrollmentQr, parseEnrollmentQr } from './enroll.ts';

describe('enrollment QR', () => {
  it('round-trips code and server, paths and ports included', () => {
    const e = { code: '7K3M9QXRT2', serverUrl: 'https://tracing.example.vn:8443/kiosk' };
    expect(parseEnrollmentQr(formatEnrollmentQr(e))).toEqual(e);
    expect(parseEnrollmentQr(` ${formatEnrollmentQr(e)}\r\n`)).toEqual(e);
  });

  it.each([
    ['another QR', '079303001234||Nguyễn Thị Ánh Tuyết|15082003|Nữ|Q1|20052021'],
    ['an unknown version', 'KIOSK-ENROLL:2:7K3M9QXRT2:https://x.vn'],
    ['no server', 'KIOSK-ENROLL:1:7K3M9QXRT2:'],
    ['a non-http server', 'KIOSK-ENROLL:1:7K3M9QXRT2:ftp://x.vn'],
    ['a lower-case or short code', 'KIOSK-ENROLL:1:abc:https://x.vn'],
  ])('ignores %s', (_label, text) => {
    expect(parseEnrollmentQr(text)).toBeUndefined();
  });

  it('is never taken for a person at the gate', () => {
    const c = parsePayload(new TextEncoder().encode(formatEnrollmentQr({ code: '7K3M9QXRT2', serverUrl: 'https://x.vn' })));
    expect(c).toMatchObject({ assurance: 'unreadable', subject: null, problem: expect.stringMatching(/enrollment QR/) as unknown });
  });
});
