import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePayload } from '../../core/payload/parse.ts';
import { CCCD_TUYET, fixtures } from '../../test/fixtures/hid/generate.ts';
import { formatRecording, readRecording, type Recording } from '../../test/fixtures/hid/recording.ts';
import type { DeviceState, RawScan, Scanner } from '../contracts/scanner.ts';
import { FakeHidBackend, FakeHidDevice } from '../fake/fake-hid.ts';
import { layoutFromDescriptor } from '../parsers/hid-pos.ts';
import { HidKeyboardScanner } from './hid-keyboard-scanner.ts';
import { HidPosScanner } from './hid-pos-scanner.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'hid');
const fixture = (name: string) => readRecording(join(FIXTURES, name));
const enc = (s: string) => new TextEncoder().encode(s);
/** Time is the subject here (inter-report timeouts, hot-plug polling): fake timers, advanced by the test. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Plays a recording into a fake HID bus and collects what the scanner driver makes of it. */
async function play(make: (bus: FakeHidBackend) => Scanner, rec: Recording, extraReports: Uint8Array[] = []) {
  const bus = new FakeHidBackend();
  const device = bus.attach(new FakeHidDevice({ path: '/dev/hidraw7', vendorId: rec.vendorId, productId: rec.productId, usagePage: rec.descriptor?.[1] === 0x01 ? 0x01 : 0x8c, usage: rec.descriptor?.[1] === 0x01 ? 0x06 : 0x02 }));
  device.descriptor = rec.descriptor;
  const scans: RawScan[] = [];
  const states: Array<[DeviceState, string | undefined]> = [];
  const scanner = make(bus);
  await scanner.start({ onScan: (s) => scans.push(s), onState: (s, d) => states.push([s, d]) });
  for (const r of [...rec.reports, ...extraReports]) device.input(r);
  // Past the 60 ms inter-report timeout, so a partial payload has been closed.
  await elapse(150);
  return { bus, device, scanner, scans, states };
}

const posScanner = (bus: FakeHidBackend) => new HidPosScanner({ backend: bus, interReportTimeoutMs: 60 });
const keyboardScanner = (bus: FakeHidBackend) => new HidKeyboardScanner({ backend: bus, suffix: enc('\r'), interByteTimeoutMs: 60, maxPayloadBytes: 4096 });

describe('HID fixtures', () => {
  it('are what generate.ts builds from the published structures', () => {
    for (const [file, [rec, comment]] of Object.entries(fixtures())) {
      expect(readFileSync(join(FIXTURES, file), 'utf8'), file).toBe(formatRecording(rec, comment));
    }
  });
});

describe('HidPosScanner', () => {
  let scanner: Scanner | undefined;
  afterEach(async () => {
    await scanner?.stop();
    scanner = undefined;
  });

  it('joins a multi-report CCCD in the Honeywell layout into the exact UTF-8 bytes', async () => {
    const run = await play(posScanner, fixture('honeywell-64-cccd.hid'));
    scanner = run.scanner;
    expect(run.scans).toHaveLength(1);
    expect(Buffer.from(run.scans[0]!.bytes).equals(Buffer.from(enc(CCCD_TUYET)))).toBe(true);
    expect(run.scans[0]).toMatchObject({ symbology: ']Q1', framing: 'report' });
    expect(parsePayload(run.scans[0]!.bytes).displayName).toBe('Nguyễn T. Á. T.');
  });

  it('reads the layout from the report descriptor when the device has one', async () => {
    const rec = fixture('pos-descriptor-cccd.hid');
    expect(layoutFromDescriptor(rec.descriptor!)).toMatchObject({ reportId: 2, lengthOffset: 1, symbologyOffset: 2, symbologyLength: 3, dataOffset: 5, dataLength: 32, continuedByte: 37, continuedBit: 0, source: 'descriptor' });
    const run = await play(posScanner, rec);
    scanner = run.scanner;
    expect(Buffer.from(run.scans[0]!.bytes).toString('utf8')).toBe(CCCD_TUYET);
  });

  it('reports a count byte larger than the report as corrupt, then reads the next scan', async () => {
    const bad = new Uint8Array(64);
    bad[0] = 0x02;
    bad[1] = 200;
    const next = fixture('honeywell-64-cccd.hid').reports;
    const run = await play(posScanner, { ...fixture('honeywell-64-cccd.hid'), reports: [bad] }, next);
    scanner = run.scanner;
    expect(run.scans.map((s) => s.framing)).toEqual(['corrupt', 'report']);
    expect(Buffer.from(run.scans[1]!.bytes).toString('utf8')).toBe(CCCD_TUYET);
  });

  it('closes half a payload after silence (framing timeout)', async () => {
    const [first] = fixture('honeywell-64-cccd.hid').reports;
    const run = await play(posScanner, { ...fixture('honeywell-64-cccd.hid'), reports: [first!] });
    scanner = run.scanner;
    expect(run.scans.map((s) => [s.framing, s.bytes.length])).toEqual([['timeout', 56]]);
  });

  it('survives binary garbage reports of the wrong id or size', async () => {
    const garbage = [Uint8Array.of(0x09, 1, 2, 3), Uint8Array.of(0x02), Uint8Array.from({ length: 64 }, (_, i) => (i * 91) % 256)];
    const run = await play(posScanner, { ...fixture('honeywell-64-cccd.hid'), reports: garbage }, fixture('honeywell-64-cccd.hid').reports);
    scanner = run.scanner;
    expect(run.scans.at(-1)?.framing).toBe('report');
    expect(Buffer.from(run.scans.at(-1)!.bytes).toString('utf8')).toBe(CCCD_TUYET);
  });

  it('recovers from unplug and replug within 2 s, reporting both', async () => {
    const run = await play(posScanner, fixture('honeywell-64-cccd.hid'));
    scanner = run.scanner;
    run.bus.detach('/dev/hidraw7');
    await elapse(0);
    expect(run.states.at(-1)?.[0]).toBe('disconnected');
    run.bus.attach(run.device);
    await elapse(2000);
    expect(run.states.at(-1)?.[0]).toBe('connected');
    for (const r of fixture('honeywell-64-cccd.hid').reports) run.device.input(r);
    await elapse(150);
    expect(run.scans).toHaveLength(2);
  });
});

describe('HidKeyboardScanner (keyboard wedge read from hidraw)', () => {
  let scanner: Scanner | undefined;
  afterEach(async () => {
    await scanner?.stop();
    scanner = undefined;
  });

  it('yields the ASCII it can, marked ASCII-only, and the payload layer flags scanner-mode-ascii', async () => {
    const run = await play(keyboardScanner, fixture('keyboard-cccd-drop.hid'));
    scanner = run.scanner;
    expect(run.scans).toHaveLength(1);
    const text = Buffer.from(run.scans[0]!.bytes).toString('utf8');
    expect(text).toBe('079303001234||Nguyn Th nh Tuyt|15082003|N|Phng Bn Ngh, Qun 1, TP. H Ch Minh|20052021');
    expect(run.scans[0]!.isAsciiOnly).toBe(true);
    const c = parsePayload(run.scans[0]!.bytes, { isAsciiOnly: true });
    // The ID number survives; the sex field "Nữ" did not, so the card is unreadable: switch modes.
    expect(c.reasons).toContain('scanner-mode-ascii');
  });

  it('handles Shift, Caps Lock and release reports, and counts ALT-mode characters as lost', async () => {
    const run = await play(keyboardScanner, fixture('keyboard-cccd-altmode-capslock.hid'));
    scanner = run.scanner;
    const text = Buffer.from(run.scans[0]!.bytes).toString('utf8');
    expect(text.startsWith('079303001234||Nguyn Th nh Tuyt|')).toBe(true);
    expect(run.scans[0]!.lostChars).toBeGreaterThan(20);
    expect(parsePayload(run.scans[0]!.bytes, { isAsciiOnly: true, lostChars: run.scans[0]!.lostChars! }).reasons).toContain('scanner-mode-ascii');
  });

  it('passes an ASCII-only QR through without a warning', async () => {
    const rec = { ...fixture('keyboard-cccd-drop.hid') };
    const { keyboardReports } = await import('../../test/fixtures/hid/generate.ts');
    rec.reports = keyboardReports('C1234567|NGUYEN VAN A|1990|HC|QR00000123456|\r', { nonAscii: 'drop' });
    const run = await play(keyboardScanner, rec);
    scanner = run.scanner;
    const c = parsePayload(run.scans[0]!.bytes, { isAsciiOnly: true });
    expect(c.subject).toEqual({ type: 'passport', id: 'C1234567' });
    expect(c.reasons).not.toContain('scanner-mode-ascii');
  });
});
