import { describe, expect, it } from 'vitest';
import { KEYBOARD_DESCRIPTOR, POS_DESCRIPTOR } from '../../test/fixtures/hid/generate.ts';
import { parseReportDescriptor } from './hid-descriptor.ts';

const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i);

describe('parseReportDescriptor', () => {
  it('reads the boot keyboard descriptor: modifiers, reserved byte, six keys; LED outputs are not input', () => {
    const d = parseReportDescriptor(KEYBOARD_DESCRIPTOR);
    expect(d.applications).toEqual([[0x01, 0x06]]);
    expect(d.inputs).toEqual([
      { reportId: 0, usagePage: 0x07, usages: range(0xe0, 0xe7), bitOffset: 0, bitSize: 1, count: 8, isConstant: false },
      { reportId: 0, usagePage: 0x07, usages: [], bitOffset: 8, bitSize: 8, count: 1, isConstant: true },
      { reportId: 0, usagePage: 0x07, usages: range(0x00, 0x65), bitOffset: 16, bitSize: 8, count: 6, isConstant: false },
    ]);
    expect([...d.inputLength]).toEqual([[0, 8]]);
  });

  it('reads the HID POS descriptor: report id, two-byte usage page and input flags, bit offsets, length in whole bytes', () => {
    const d = parseReportDescriptor(POS_DESCRIPTOR);
    expect(d.applications).toEqual([[0x8c, 0x02]]);
    expect(d.inputs.map((f) => [f.reportId, f.usagePage, f.usages, f.bitOffset, f.bitSize, f.count, f.isConstant])).toEqual([
      [2, 0xff00, [0x01], 0, 8, 1, false],
      [2, 0x8c, [0xfb, 0xfc, 0xfd], 8, 8, 3, false],
      [2, 0x8c, [0xfe], 32, 8, 32, false],
      [2, 0x8c, [0xff], 288, 1, 1, false],
      [2, 0x8c, [], 289, 1, 7, true],
    ]);
    // 296 bits of input after the id byte.
    expect([...d.inputLength]).toEqual([[2, 37]]);
  });

  it('counts offsets per report id and rounds a partial byte up', () => {
    const d = parseReportDescriptor(
      Uint8Array.from([
        0x05, 0x8c, 0x85, 0x01, 0x75, 0x08, 0x95, 0x02, 0x09, 0x10, 0x81, 0x02, // id 1: 2 bytes
        0x85, 0x03, 0x75, 0x01, 0x95, 0x03, 0x09, 0x11, 0x81, 0x02, // id 3: 3 bits
        0x85, 0x01, 0x75, 0x08, 0x95, 0x01, 0x09, 0x12, 0x81, 0x02, // id 1 again: after its first 16 bits
      ]),
    );
    expect(d.inputs.map((f) => [f.reportId, f.usages, f.bitOffset])).toEqual([
      [1, [0x10], 0],
      [3, [0x11], 0],
      [1, [0x12], 16],
    ]);
    expect(new Map(d.inputLength)).toEqual(
      new Map([
        [1, 3],
        [3, 1],
      ]),
    );
  });

  it('skips a long item and reads the items after it', () => {
    const d = parseReportDescriptor(Uint8Array.from([0xfe, 0x02, 0x42, 0x09, 0x09, 0x05, 0x8c, 0x75, 0x08, 0x95, 0x01, 0x09, 0xfe, 0x81, 0x02]));
    expect(d.inputs).toEqual([{ reportId: 0, usagePage: 0x8c, usages: [0xfe], bitOffset: 0, bitSize: 8, count: 1, isConstant: false }]);
  });

  it('reads four-byte items: a usage keeps its low half (the high half is its page), a count all 32 bits', () => {
    const d = parseReportDescriptor(Uint8Array.from([0x05, 0x8c, 0x0b, 0xfe, 0x00, 0x8c, 0x00, 0x75, 0x01, 0x97, 0x00, 0x00, 0x01, 0x00, 0x81, 0x02]));
    expect(d.inputs[0]).toMatchObject({ usages: [0xfe], count: 0x10000 });
    expect([...d.inputLength]).toEqual([[0, 0x2000]]);
  });

  it('reads a four-byte value with the top bit set as unsigned', () => {
    const d = parseReportDescriptor(Uint8Array.from([0x07, 0x01, 0x00, 0x00, 0x80, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02]));
    expect(d.inputs[0]?.usagePage).toBe(0x80000001);
  });

  it('takes a usage range when no single usages are listed, and forgets local items after each main item', () => {
    const d = parseReportDescriptor(
      Uint8Array.from([
        0x05, 0x07, 0x75, 0x08, 0x95, 0x02, 0x19, 0x04, 0x29, 0x06, 0x81, 0x00, // range 4..6
        0x19, 0x10, 0x81, 0x00, // a minimum without a maximum: no usages
        0x29, 0x10, 0x81, 0x00, // a maximum without a minimum: no usages
        0x09, 0x20, 0x19, 0x30, 0x29, 0x31, 0x81, 0x00, // listed usages win over a range
      ]),
    );
    expect(d.inputs.map((f) => f.usages)).toEqual([[4, 5, 6], [], [], [0x20]]);
  });

  it('caps an absurd usage range at 4096 usages', () => {
    const d = parseReportDescriptor(Uint8Array.from([0x75, 0x08, 0x95, 0x01, 0x19, 0x00, 0x2a, 0xff, 0xff, 0x81, 0x00]));
    expect(d.inputs[0]?.usages).toHaveLength(4096);
    expect(d.inputs[0]?.usages.at(-1)).toBe(4095);
  });

  it('restores pushed global items on pop, and keeps them on a pop with nothing pushed', () => {
    const d = parseReportDescriptor(
      Uint8Array.from([
        0x05, 0x8c, 0x75, 0x08, 0x95, 0x01, 0x85, 0x02,
        0xa4, // Push
        0x05, 0x01, 0x75, 0x01, 0x95, 0x04, 0x85, 0x05, 0x81, 0x02,
        0xb4, // Pop
        0x81, 0x02,
        0xb4, // Pop with an empty stack
        0x81, 0x02,
      ]),
    );
    expect(d.inputs.map((f) => [f.reportId, f.usagePage, f.bitSize, f.count])).toEqual([
      [5, 0x01, 1, 4],
      [2, 0x8c, 8, 1],
      [2, 0x8c, 8, 1],
    ]);
  });

  it('lists only top-level application collections, by usage or usage minimum', () => {
    const d = parseReportDescriptor(
      Uint8Array.from([
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, // Application (mouse)
        0x09, 0x01, 0xa1, 0x01, 0xc0, // a nested application is not top level
        0xa1, 0x00, 0xc0, 0xb1, 0x02, 0x09, 0x01, 0xa1, 0x01, 0xc0, // nor after a closed collection or a Feature item
        0xc0,
        0xc0, // one End Collection too many is ignored
        0x09, 0x30, 0xa1, 0x00, 0xc0, // a top-level physical collection is not an application
        0x19, 0x06, 0xa1, 0x01, 0xc0, // usage minimum
        0xa1, 0x01, 0xc0, // no usage at all
      ]),
    );
    expect(d.applications).toEqual([
      [0x01, 0x02],
      [0x01, 0x06],
      [0x01, 0x00],
    ]);
  });

  it('reads a truncated descriptor as far as it goes (missing value bytes are zero)', () => {
    const d = parseReportDescriptor(Uint8Array.from([0x75, 0x08, 0x95, 0x02, 0x81, 0x02, 0x96, 0x01]));
    expect(d.inputs).toHaveLength(1);
    expect([...d.inputLength]).toEqual([[0, 2]]);
  });

  it('ignores the global, local and reserved items it does not need (logical range, unit, string index)', () => {
    const d = parseReportDescriptor(
      Uint8Array.from([
        0x05, 0x07, 0x75, 0x08, 0x95, 0x01, 0x85, 0x01,
        0xa4, // Push
        0x85, 0x02, 0x15, 0x00, 0x25, 0x65, 0x66, 0x01, 0x10, // Report ID (2), Logical Minimum, Logical Maximum, Unit
        0x19, 0x04, 0x29, 0x06, 0x79, 0x01, // Usage Minimum 4, Usage Maximum 6, String Index 1
        0x0d, 0x09, // a reserved item
        0x81, 0x00,
      ]),
    );
    expect(d.inputs).toEqual([{ reportId: 2, usagePage: 0x07, usages: [4, 5, 6], bitOffset: 0, bitSize: 8, count: 1, isConstant: false }]);
  });
});
