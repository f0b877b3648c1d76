import { describe, expect, it } from 'vitest';
import { honeywell64, KEYBOARD_DESCRIPTOR, POS_DESCRIPTOR, posWithDescriptor } from '../../test/fixtures/hid/generate.ts';
import { decodePosReport, HONEYWELL_64, layoutFromDescriptor, type PosLayout } from './hid-pos.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Descriptor items: Usage Page 0x8C, Report Size 8, then what the test adds. */
const pos = (...items: number[]) => Uint8Array.from([0x05, 0x8c, 0x75, 0x08, ...items]);
const COUNT_BYTE = [0x95, 0x01, 0x06, 0x00, 0xff, 0x09, 0x01, 0x81, 0x02, 0x05, 0x8c];
const SYMBOLOGY_3 = [0x09, 0xfb, 0x09, 0xfc, 0x09, 0xfd, 0x95, 0x03, 0x81, 0x02];
const DATA_16 = [0x09, 0xfe, 0x95, 0x10, 0x81, 0x02];
const CONTINUED_BIT_3 = [0x75, 0x01, 0x95, 0x03, 0x81, 0x03, 0x09, 0xff, 0x95, 0x01, 0x81, 0x02, 0x95, 0x04, 0x81, 0x03];

describe('layoutFromDescriptor', () => {
  it('finds count, symbology, data and continued flag of the HID POS descriptor (offsets include the id byte)', () => {
    expect(layoutFromDescriptor(POS_DESCRIPTOR)).toEqual({
      reportId: 2,
      lengthOffset: 1,
      symbologyOffset: 2,
      symbologyLength: 3,
      dataOffset: 5,
      dataLength: 32,
      continuedByte: 37,
      continuedBit: 0,
      source: 'descriptor',
    });
  });

  it('is undefined for a device that describes no POS decoded-data bytes (a keyboard, or 16-bit data)', () => {
    expect(layoutFromDescriptor(KEYBOARD_DESCRIPTOR)).toBeUndefined();
    expect(layoutFromDescriptor(pos(0x75, 0x10, ...DATA_16))).toBeUndefined();
    // Decoded Data usage on a vendor page is not the POS field.
    expect(layoutFromDescriptor(Uint8Array.from([0x06, 0x00, 0xff, 0x75, 0x08, ...DATA_16]))).toBeUndefined();
  });

  it('counts no id byte when the device uses no report ids, and a continued flag inside a byte by its bit', () => {
    expect(layoutFromDescriptor(pos(...COUNT_BYTE, ...SYMBOLOGY_3, ...DATA_16, ...CONTINUED_BIT_3))).toEqual({
      reportId: 0,
      lengthOffset: 0,
      symbologyOffset: 1,
      symbologyLength: 3,
      dataOffset: 4,
      dataLength: 16,
      continuedByte: 20,
      continuedBit: 3,
      source: 'descriptor',
    });
  });

  it('leaves out what the descriptor does not describe: data alone is zero-padded, never continued', () => {
    expect(layoutFromDescriptor(pos(0x85, 0x04, ...DATA_16))).toEqual({ reportId: 4, symbologyLength: 0, dataOffset: 1, dataLength: 16, continuedBit: 0, source: 'descriptor' });
  });

  it('places the count byte where it sits, after a leading padding byte', () => {
    expect(layoutFromDescriptor(pos(0x85, 0x02, 0x95, 0x01, 0x81, 0x03, ...COUNT_BYTE, ...SYMBOLOGY_3, ...DATA_16))).toMatchObject({ lengthOffset: 2, symbologyOffset: 3, dataOffset: 6 });
  });

  it('takes only a one-bit Decode Data Continued field as the continued flag', () => {
    expect(layoutFromDescriptor(pos(...DATA_16, 0x09, 0xff, 0x95, 0x01, 0x81, 0x02))).not.toHaveProperty('continuedByte');
  });

  it('takes a byte just before the data as the count when there is no symbology', () => {
    expect(layoutFromDescriptor(pos(...COUNT_BYTE, ...DATA_16))).toMatchObject({ lengthOffset: 0, dataOffset: 1 });
  });

  it('takes a count byte only if it is one variable byte right before symbology or data, in the same report', () => {
    // A constant byte (padding) before the symbology is not a count.
    expect(layoutFromDescriptor(pos(0x95, 0x01, 0x81, 0x03, ...SYMBOLOGY_3, ...DATA_16))?.lengthOffset).toBeUndefined();
    // Two bytes before the symbology are not a count.
    expect(layoutFromDescriptor(pos(0x95, 0x02, 0x09, 0x01, 0x81, 0x02, ...SYMBOLOGY_3, ...DATA_16))?.lengthOffset).toBeUndefined();
    // A byte with a gap between it and the symbology is not a count.
    expect(layoutFromDescriptor(pos(0x95, 0x01, 0x09, 0x01, 0x81, 0x02, 0x81, 0x03, ...SYMBOLOGY_3, ...DATA_16))?.lengthOffset).toBeUndefined();
    // Four bits are not a count byte.
    expect(layoutFromDescriptor(pos(0x75, 0x04, 0x95, 0x01, 0x81, 0x02, 0x81, 0x03, 0x75, 0x08, ...SYMBOLOGY_3, ...DATA_16))?.lengthOffset).toBeUndefined();
    // The byte at offset 0 of another report is not this report's count.
    expect(layoutFromDescriptor(pos(0x85, 0x01, 0x95, 0x01, 0x81, 0x02, 0x85, 0x02, 0x95, 0x01, 0x81, 0x03, ...SYMBOLOGY_3, ...DATA_16))?.lengthOffset).toBeUndefined();
  });

  it('takes the symbology and continued flag from the data report only, symbology starting at its first byte', () => {
    const d = pos(
      ...[0x85, 0x01, 0x09, 0xfb, 0x95, 0x05, 0x81, 0x02], // report 1: a symbology-like field
      ...[0x75, 0x01, 0x09, 0xff, 0x95, 0x01, 0x81, 0x02, 0x75, 0x08], // report 1: a continued flag
      ...[0x85, 0x02, 0x09, 0xfd, 0x95, 0x01, 0x81, 0x02], // report 2: symbology id 3 first…
      ...[0x09, 0xfb, 0x09, 0xfc, 0x95, 0x02, 0x81, 0x02], // …then ids 1 and 2
      ...[0x75, 0x10, 0x09, 0xfc, 0x95, 0x01, 0x81, 0x02, 0x75, 0x08], // a 16-bit field is not symbology
      ...DATA_16,
    );
    expect(layoutFromDescriptor(d)).toEqual({ reportId: 2, symbologyOffset: 1, symbologyLength: 3, dataOffset: 6, dataLength: 16, continuedBit: 0, source: 'descriptor' });
  });
});

describe('decodePosReport', () => {
  it('reads the Honeywell layout: valid-byte count, AIM symbology id, continued bit', () => {
    const [first, last] = honeywell64(enc('x'.repeat(56) + 'tail'));
    expect(decodePosReport(first!, HONEYWELL_64)).toEqual({ data: enc('x'.repeat(56)), symbology: ']Q1', isContinued: true, isCorrupt: false });
    expect(decodePosReport(last!, HONEYWELL_64)).toEqual({ data: enc('tail'), symbology: ']Q1', isContinued: false, isCorrupt: false });
  });

  it('ignores a report of another id, unless the layout has no report id', () => {
    const [report] = honeywell64(enc('abc'));
    report![0] = 0x03;
    expect(decodePosReport(report!, HONEYWELL_64)).toBeUndefined();
    expect(dec(decodePosReport(report!, { ...HONEYWELL_64, reportId: 0 })!.data)).toBe('abc');
  });

  it('marks a count larger than the data field, or than the report, as corrupt and keeps what is there', () => {
    const [report] = honeywell64(enc('abc'));
    report![1] = 57;
    expect(decodePosReport(report!, HONEYWELL_64)).toMatchObject({ isCorrupt: true, data: report!.slice(5, 61) });
    const short = honeywell64(enc('abcdef'))[0]!.slice(0, 9);
    expect(decodePosReport(short, HONEYWELL_64)).toMatchObject({ isCorrupt: true, data: enc('abcd') });
    expect(decodePosReport(short.slice(0, 3), HONEYWELL_64)).toMatchObject({ isCorrupt: true, data: new Uint8Array(0) });
  });

  it('accepts a count that exactly fills the data field or the report', () => {
    const [full] = honeywell64(enc('y'.repeat(56)));
    expect(decodePosReport(full!, HONEYWELL_64)).toMatchObject({ isCorrupt: false, data: enc('y'.repeat(56)) });
    const short = honeywell64(enc('abcd'))[0]!.slice(0, 9);
    expect(decodePosReport(short, HONEYWELL_64)).toMatchObject({ isCorrupt: false, data: enc('abcd') });
  });

  it('reads a report without a count byte as zero-padded data, keeping zeros inside it', () => {
    const layout: PosLayout = { reportId: 4, symbologyLength: 0, dataOffset: 1, dataLength: 8, continuedBit: 0, source: 'descriptor' };
    expect(decodePosReport(Uint8Array.of(4, 0x41, 0, 0x42, 0, 0, 0, 0, 0), layout)).toEqual({ data: Uint8Array.of(0x41, 0, 0x42), symbology: undefined, isContinued: false, isCorrupt: false });
    expect(decodePosReport(Uint8Array.of(4, 0, 0, 0), layout)?.data).toEqual(new Uint8Array(0));
    // Data that fills the field keeps its last byte.
    expect(decodePosReport(Uint8Array.of(4, 1, 2, 3, 4, 5, 6, 7, 8, 9), layout)?.data).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  });

  it('reads the continued flag at its bit and the symbology without its zero bytes', () => {
    const layout: PosLayout = { reportId: 2, symbologyOffset: 1, symbologyLength: 3, dataOffset: 4, dataLength: 4, continuedByte: 8, continuedBit: 2, source: 'descriptor' };
    const report = Uint8Array.of(2, 0x5d, 0, 0x51, 0x61, 0x62, 0, 0, 0b0000_0100);
    expect(decodePosReport(report, layout)).toEqual({ data: enc('ab'), symbology: ']Q', isContinued: true, isCorrupt: false });
    expect(decodePosReport(Uint8Array.of(2, 0, 0, 0, 0x61, 0, 0, 0, 0b1111_1011), layout)).toEqual({ data: enc('a'), symbology: undefined, isContinued: false, isCorrupt: false });
    // A report too short to hold the flag byte is not continued.
    expect(decodePosReport(Uint8Array.of(2, 0, 0, 0, 0x61), layout)?.isContinued).toBe(false);
  });

  it('joins the chunks of the descriptor fixture into the payload', () => {
    const layout = layoutFromDescriptor(POS_DESCRIPTOR)!;
    const text = 'Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh, Việt Nam';
    const chunks = posWithDescriptor(enc(text)).map((r) => decodePosReport(r, layout)!);
    expect(chunks.map((c) => c.isContinued)).toEqual([true, true, false]);
    expect(dec(Buffer.concat(chunks.map((c) => c.data)))).toBe(text);
  });
});
