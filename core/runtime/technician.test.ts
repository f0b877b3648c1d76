import { describe, expect, it, vi } from 'vitest';
import { hashPin, verifyPin } from '../identity/pin.ts';
import { TechnicianService } from './technician.ts';

const PIN_HASH = hashPin('246810');

describe('technician PIN', () => {
  it('stores only a salted scrypt hash', () => {
    expect(PIN_HASH).toMatch(/^scrypt\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hashPin('246810')).not.toBe(PIN_HASH);
    expect(verifyPin('246810', PIN_HASH)).toBe(true);
    expect(verifyPin('246811', PIN_HASH)).toBe(false);
    expect(verifyPin('246810', 'plain')).toBe(false);
  });

  it('answers the right PIN with the status and the latest events; a gate test clicks the gate', async () => {
    const gateTest = vi.fn(() => true);
    const t = new TechnicianService({ pinHash: PIN_HASH, status: async () => undefined, gateTest });
    for (let i = 0; i < 60; i++) t.observe({ type: 'duplicate', scanner: 'fake', at: i });
    const info = await t.handle({ pin: '246810', action: 'info' });
    expect(info).toMatchObject({ ok: true, value: { status: null } });
    expect(info.ok && info.value.recent).toHaveLength(50);
    expect(info.ok && info.value.recent.at(-1)).toMatchObject({ at: 59 });
    expect(await t.handle({ pin: '246810', action: 'gate-test' })).toMatchObject({ ok: true, value: { message: expect.stringMatching(/gate clicked/) as unknown } });
    expect(gateTest).toHaveBeenCalledTimes(1);
  });

  it('locks for five minutes after five wrong PINs, the right PIN included', async () => {
    let now = 0;
    const gateTest = vi.fn(() => true);
    const t = new TechnicianService({ pinHash: PIN_HASH, status: async () => undefined, gateTest, nowMs: () => now });
    for (let i = 1; i <= 4; i++) expect(await t.handle({ pin: '000000', action: 'gate-test' })).toMatchObject({ ok: false, error: { code: 'unauthorized', message: `wrong PIN (${5 - i} tries left)` } });
    expect(await t.handle({ pin: '000000', action: 'info' })).toMatchObject({ error: { code: 'rate-limited' } });
    now = 299_000;
    expect(await t.handle({ pin: '246810', action: 'gate-test' })).toMatchObject({ error: { code: 'rate-limited', message: expect.stringMatching(/locked for 1 s more/) as unknown } });
    now = 300_001;
    expect(await t.handle({ pin: '246810', action: 'info' })).toMatchObject({ ok: true });
    expect(gateTest).not.toHaveBeenCalled();
  });

  it('stays locked when no PIN is configured', async () => {
    const t = new TechnicianService({ pinHash: undefined, status: async () => undefined, gateTest: () => true });
    expect(await t.handle({ pin: '1234', action: 'info' })).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/kiosk keys pin/) as unknown } });
  });
});
