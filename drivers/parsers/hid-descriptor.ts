/**
 * A HID report descriptor reader: just enough of HID 1.11 §6.2.2 to locate fields of input
 * reports (report id, bit offset, size, count, usage page and usages). Hand-written because the
 * npm parsers are browser- or device-specific and none exposes plain field offsets; it is ~100
 * lines of the spec's item grammar.
 */
export interface HidField {
  reportId: number;
  usagePage: number;
  /** One usage per element when the descriptor lists them; else the min..max range expanded. */
  usages: number[];
  /** Bit offset within the report, excluding the report-id byte. */
  bitOffset: number;
  bitSize: number;
  count: number;
  isConstant: boolean;
}

export interface ParsedDescriptor {
  inputs: HidField[];
  /** Input report length in bytes per report id, excluding the id byte. */
  inputLength: Map<number, number>;
  /** Top-level application collections as [usagePage, usage]. */
  applications: Array<[number, number]>;
}

export function parseReportDescriptor(desc: Uint8Array): ParsedDescriptor {
  const inputs: HidField[] = [];
  const inputBits = new Map<number, number>();
  const applications: Array<[number, number]> = [];
  const globalStack: Array<{ usagePage: number; reportSize: number; reportCount: number; reportId: number }> = [];
  let g = { usagePage: 0, reportSize: 0, reportCount: 0, reportId: 0 };
  let usages: number[] = [];
  let usageMin: number | undefined;
  let usageMax: number | undefined;
  let depth = 0;
  let i = 0;
  while (i < desc.length) {
    const prefix = desc[i] as number;
    if (prefix === 0xfe) {
      // Long item: skip (none are defined for reports).
      i += 3 + (desc[i + 1] ?? 0);
      continue;
    }
    const sizeCode = prefix & 0x03;
    const size = sizeCode === 3 ? 4 : sizeCode;
    const type = (prefix >> 2) & 0x03;
    const tag = prefix >> 4;
    let value = 0;
    for (let k = 0; k < size; k++) value |= (desc[i + 1 + k] ?? 0) << (8 * k);
    value >>>= 0;
    i += 1 + size;
    if (type === 0) {
      // Main items
      if (tag === 0x8 /* Input */) {
        const isConstant = (value & 0x01) !== 0;
        const list = usages.length > 0 ? usages : usageMin !== undefined && usageMax !== undefined ? range(usageMin, usageMax) : [];
        const offset = inputBits.get(g.reportId) ?? 0;
        inputs.push({ reportId: g.reportId, usagePage: g.usagePage, usages: list, bitOffset: offset, bitSize: g.reportSize, count: g.reportCount, isConstant });
        inputBits.set(g.reportId, offset + g.reportSize * g.reportCount);
      } else if (tag === 0xa /* Collection */) {
        if (depth === 0 && value === 0x01) applications.push([g.usagePage, usages[0] ?? usageMin ?? 0]);
        depth++;
      } else if (tag === 0xc /* End collection */) {
        depth = Math.max(0, depth - 1);
      }
      usages = [];
      usageMin = undefined;
      usageMax = undefined;
    } else if (type === 1) {
      // Global items
      if (tag === 0x0) g.usagePage = value;
      else if (tag === 0x7) g.reportSize = value;
      else if (tag === 0x8) g.reportId = value;
      else if (tag === 0x9) g.reportCount = value;
      else if (tag === 0xa) globalStack.push({ ...g });
      else if (tag === 0xb) g = globalStack.pop() ?? g;
    } else if (type === 2) {
      // Local items; a 4-byte usage carries its own page in the high half.
      const usage = size === 4 ? value & 0xffff : value;
      if (tag === 0x0) usages.push(usage);
      else if (tag === 0x1) usageMin = usage;
      else if (tag === 0x2) usageMax = usage;
    }
  }
  const inputLength = new Map([...inputBits].map(([id, bits]) => [id, Math.ceil(bits / 8)]));
  return { inputs, inputLength, applications };
}

function range(min: number, max: number): number[] {
  const out: number[] = [];
  for (let u = min; u <= max && out.length < 4096; u++) out.push(u);
  return out;
}
