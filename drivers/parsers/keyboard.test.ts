import { describe, expect, it } from 'vitest';
import { keyboardReports } from '../../test/fixtures/hid/generate.ts';
import { KeyboardDecoder } from './keyboard.ts';

/** A boot keyboard report: modifiers, reserved, up to six key usages. */
const report = (modifiers: number, ...keys: number[]) => {
  const r = new Uint8Array(8);
  r[0] = modifiers;
  keys.forEach((k, i) => (r[2 + i] = k));
  return r;
};
const RELEASE = report(0);
const LEFT_SHIFT = 0x02;
const RIGHT_SHIFT = 0x20;
const LEFT_ALT = 0x04;
const RIGHT_ALT = 0x40;
const typed = (d: KeyboardDecoder, reports: Uint8Array[]) => reports.map((r) => d.push(r)).join('');

describe('KeyboardDecoder (US layout)', () => {
  it('types what a wedge scanner sends for every printable ASCII key it has', () => {
    // Doubled letters: each key press is followed by a release report, so "ll" is two presses.
    const text = 'Hello, the quick brown fox 1234567890 !@#$%^&*() -/|.';
    expect(typed(new KeyboardDecoder(), keyboardReports(text, { nonAscii: 'drop' }))).toBe(`${text}\r`);
  });

  it('maps the punctuation keys, plain and with either Shift', () => {
    const keys = [0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38];
    const d = new KeyboardDecoder();
    expect(typed(d, keys.flatMap((k) => [report(0, k), RELEASE]))).toBe("\t -=[]\\;'`,./");
    expect(typed(d, keys.flatMap((k) => [report(LEFT_SHIFT, k), RELEASE]))).toBe('\t _+{}|:"~<>?');
    expect(typed(d, keys.flatMap((k) => [report(RIGHT_SHIFT, k), RELEASE]))).toBe('\t _+{}|:"~<>?');
    expect(typed(d, [report(RIGHT_SHIFT, 0x04), RELEASE, report(RIGHT_SHIFT, 0x1f), RELEASE, report(RIGHT_SHIFT, 0x1d)])).toBe('A@Z');
  });

  it('maps the keypad, which Shift does not change', () => {
    const keypad = [0x54, 0x55, 0x56, 0x57, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x58];
    const d = new KeyboardDecoder();
    expect(typed(d, keypad.flatMap((k) => [report(0, k), RELEASE]))).toBe('/*-+1234567890.\r');
    expect(typed(d, keypad.flatMap((k) => [report(LEFT_SHIFT, k), RELEASE]))).toBe('/*-+1234567890.\r');
  });

  it('inverts Shift for letters only while Caps Lock is on, and toggles it off again', () => {
    const d = new KeyboardDecoder();
    const caps = [report(0, 0x39), RELEASE];
    expect(typed(d, [...caps, report(0, 0x04), RELEASE, report(LEFT_SHIFT, 0x05), RELEASE, report(0, 0x1e), RELEASE, report(LEFT_SHIFT, 0x1e), RELEASE])).toBe('Ab1!');
    expect(typed(d, [...caps, report(0, 0x04), RELEASE, report(LEFT_SHIFT, 0x05), RELEASE])).toBe('aB');
    // The first and last letters of the usage table.
    expect(typed(d, [...caps, report(0, 0x04), RELEASE, report(0, 0x1d), RELEASE])).toBe('AZ');
  });

  it('types a key held over several reports once, and again after its release', () => {
    const d = new KeyboardDecoder();
    expect(typed(d, [report(0, 0x04), report(0, 0x04), report(0, 0x04, 0x05), report(0, 0x05), RELEASE, report(0, 0x05)])).toBe('abb');
  });

  it('keeps Caps Lock held over several reports as one toggle', () => {
    const d = new KeyboardDecoder();
    expect(typed(d, [report(0, 0x39), report(0, 0x39), RELEASE, report(0, 0x04)])).toBe('A');
  });

  it('types several keys pressed in one report in their order', () => {
    expect(new KeyboardDecoder().push(report(LEFT_SHIFT, 0x0b, 0x0c, 0x1e))).toBe('HI!');
  });

  it('keeps the previous key state on a rollover error (all 0x01)', () => {
    const d = new KeyboardDecoder();
    expect(typed(d, [report(0, 0x04), report(0, 1, 1, 1, 1, 1, 1), report(0, 0x04, 0x05)])).toBe('ab');
    // 0x01 beside a real key is not a rollover report.
    expect(d.takeLost()).toBe(0);
    expect(typed(d, [RELEASE, report(0, 0x01, 0x06)])).toBe('c');
    expect(d.takeLost()).toBe(1);
  });

  it('counts Alt + keypad (Windows ALT codes) and keys without a character as lost, and takeLost() resets the count', () => {
    const d = new KeyboardDecoder();
    const alt = (mod: number) => [report(mod, 0x5a), RELEASE, report(mod, 0x59), RELEASE];
    expect(typed(d, [...alt(LEFT_ALT), ...alt(RIGHT_ALT), report(0, 0x3a), RELEASE, report(0, 0xe0), RELEASE])).toBe('');
    expect(d.takeLost()).toBe(6);
    expect(d.takeLost()).toBe(0);
    // Alt with a letter still types the letter; keypad digits without Alt are digits.
    expect(typed(d, [report(LEFT_ALT, 0x04), RELEASE, report(0, 0x5a), RELEASE])).toBe('a2');
    expect(d.takeLost()).toBe(0);
  });

  it('reads nothing from a report too short to hold a key, and counts nothing', () => {
    const d = new KeyboardDecoder();
    expect(d.push(Uint8Array.of(0, 0))).toBe('');
    expect(d.push(Uint8Array.of(0, 0, 0x04))).toBe('a');
    expect(d.takeLost()).toBe(0);
    // Nor does it release the key held before it.
    expect(d.push(Uint8Array.of(0, 0))).toBe('');
    expect(d.push(Uint8Array.of(0, 0, 0x04))).toBe('');
  });

  it('skips the report id byte when the device numbers its reports', () => {
    const d = new KeyboardDecoder({ hasReportId: true });
    expect(d.push(Uint8Array.of(1, LEFT_SHIFT, 0, 0x04, 0, 0, 0, 0, 0))).toBe('A');
    expect(d.push(Uint8Array.of(1, 0, 0))).toBe('');
  });
});
