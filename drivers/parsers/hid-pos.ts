import { parseReportDescriptor } from './hid-descriptor.ts';

/**
 * HID POS barcode scanner input reports (usage page 0x8C, HID POS usage tables 1.02): where the
 * symbology identifier, the decoded data and the "decode data continued" flag sit in a report.
 */
export const POS_PAGE = 0x8c;
const SYMBOLOGY = [0xfb, 0xfc, 0xfd];
const DECODED_DATA = 0xfe;
const CONTINUED = 0xff;

export interface PosLayout {
  reportId: number;
  /** Byte offset (report-id byte included) of a "valid data bytes" count, when the layout has one. */
  lengthOffset?: number;
  symbologyOffset?: number;
  symbologyLength: number;
  dataOffset: number;
  dataLength: number;
  continuedByte?: number;
  continuedBit: number;
  source: 'descriptor' | 'honeywell-64';
}

/**
 * The common 64-byte layout seen in Honeywell captures (docs/hardware.md §1.3): id 0x02, a valid-byte
 * count, a 3-byte AIM symbology id, 56 data bytes, vendor bytes, then bit 0 of byte 63 = continued.
 */
export const HONEYWELL_64: PosLayout = {
  reportId: 0x02,
  lengthOffset: 1,
  symbologyOffset: 2,
  symbologyLength: 3,
  dataOffset: 5,
  dataLength: 56,
  continuedByte: 63,
  continuedBit: 0,
  source: 'honeywell-64',
};

/** The layout from the device's report descriptor; undefined when it describes no POS data field. */
export function layoutFromDescriptor(descriptor: Uint8Array): PosLayout | undefined {
  const { inputs } = parseReportDescriptor(descriptor);
  const pos = inputs.filter((f) => f.usagePage === POS_PAGE);
  const data = pos.find((f) => f.usages.includes(DECODED_DATA) && f.bitSize === 8);
  if (!data) return undefined;
  const idBytes = data.reportId === 0 ? 0 : 1;
  const inReport = pos.filter((f) => f.reportId === data.reportId);
  const symbology = inReport.filter((f) => f.bitSize === 8 && f.usages.some((u) => SYMBOLOGY.includes(u)));
  const continued = inReport.find((f) => f.usages.includes(CONTINUED) && f.bitSize === 1);
  const firstSym = symbology.sort((a, b) => a.bitOffset - b.bitOffset)[0];
  // A byte counter just before the data (vendor or POS page, 8 bits, 1 count) is the valid-length byte.
  const counter = inputs.find((f) => f.reportId === data.reportId && f.bitSize === 8 && f.count === 1 && !f.isConstant && f.bitOffset === (firstSym?.bitOffset ?? data.bitOffset) - 8);
  return {
    reportId: data.reportId,
    ...(counter ? { lengthOffset: idBytes + counter.bitOffset / 8 } : {}),
    ...(firstSym ? { symbologyOffset: idBytes + firstSym.bitOffset / 8 } : {}),
    symbologyLength: symbology.reduce((n, f) => n + f.count, 0),
    dataOffset: idBytes + data.bitOffset / 8,
    dataLength: data.count,
    ...(continued ? { continuedByte: idBytes + Math.floor(continued.bitOffset / 8) } : {}),
    continuedBit: continued ? continued.bitOffset % 8 : 0,
    source: 'descriptor',
  };
}

export interface PosChunk {
  data: Uint8Array;
  symbology: string | undefined;
  isContinued: boolean;
  /** The report was malformed (a count larger than the data field): the payload is unreliable. */
  isCorrupt: boolean;
}

/** One report → its chunk of payload bytes; undefined for reports of another id. */
export function decodePosReport(report: Uint8Array, layout: PosLayout): PosChunk | undefined {
  if (layout.reportId !== 0 && report[0] !== layout.reportId) return undefined;
  const end = Math.min(report.length, layout.dataOffset + layout.dataLength);
  let length = end - layout.dataOffset;
  let isCorrupt = false;
  if (layout.lengthOffset !== undefined) {
    const declared = report[layout.lengthOffset] ?? 0;
    if (declared > layout.dataLength || layout.dataOffset + declared > report.length) isCorrupt = true;
    length = Math.min(declared, Math.max(0, length));
  } else {
    // No count in the layout: the data field is zero-padded.
    while (length > 0 && report[layout.dataOffset + length - 1] === 0) length--;
  }
  const symBytes = layout.symbologyOffset === undefined ? undefined : report.subarray(layout.symbologyOffset, layout.symbologyOffset + layout.symbologyLength);
  const symbology = symBytes && symBytes.some((b) => b !== 0) ? String.fromCharCode(...symBytes.filter((b) => b !== 0)) : undefined;
  const flags = layout.continuedByte === undefined ? 0 : (report[layout.continuedByte] ?? 0);
  return {
    data: report.slice(layout.dataOffset, layout.dataOffset + Math.max(0, length)),
    symbology,
    isContinued: ((flags >> layout.continuedBit) & 1) === 1,
    isCorrupt,
  };
}
