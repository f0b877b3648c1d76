import { PayloadFramer } from '../../drivers/parsers/framer.ts';
import { decodePosReport, HONEYWELL_64 } from '../../drivers/parsers/hid-pos.ts';
import { KeyboardDecoder } from '../../drivers/parsers/keyboard.ts';
import { CCCD_TUYET, honeywell64, keyboardReports } from '../../test/fixtures/hid/generate.ts';
import type { Suite } from './common.ts';

/**
 * The framing code must never be the bottleneck. Real byte rates: a scanner on USB serial at
 * 115,200 baud delivers 11.5 KB/s; a full-speed HID POS scanner at most one 64-byte report per ms
 * (64 KB/s); a keyboard wedge ~1,000 reports/s. Target: each decoder at least 100x its transport.
 */
export const framingSuite: Suite = {
  name: 'framing',
  description: 'serial framing, HID POS report decoding and keyboard decoding throughput vs real byte rates',
  async run(log) {
    const payload = new TextEncoder().encode(`${CCCD_TUYET}\r`);
    const serialStream = new Uint8Array(payload.length * 20_000);
    for (let i = 0; i < 20_000; i++) serialStream.set(payload, i * payload.length);
    let frames = 0;
    const framer = new PayloadFramer({ suffix: Uint8Array.of(0x0d), interByteTimeoutMs: 50, maxBytes: 4096 }, () => frames++);
    let t = performance.now();
    // Fed in 64-byte reads, the size a USB bulk transfer hands the tty.
    for (let i = 0; i < serialStream.length; i += 64) framer.push(serialStream.subarray(i, i + 64));
    framer.flush(false);
    const serialMBs = serialStream.length / 1e6 / ((performance.now() - t) / 1000);

    const reports = honeywell64(new TextEncoder().encode(CCCD_TUYET));
    const rounds = 50_000;
    t = performance.now();
    let bytes = 0;
    for (let i = 0; i < rounds; i++) for (const r of reports) bytes += decodePosReport(r, HONEYWELL_64)?.data.length ?? 0;
    const posSeconds = (performance.now() - t) / 1000;
    const posMBs = (rounds * reports.length * 64) / 1e6 / posSeconds;

    const keys = keyboardReports(`${CCCD_TUYET}\r`, { nonAscii: 'drop' });
    const decoder = new KeyboardDecoder();
    t = performance.now();
    let chars = 0;
    for (let i = 0; i < 2000; i++) for (const r of keys) chars += decoder.push(r).length;
    const keyboardReportsPerS = (2000 * keys.length) / ((performance.now() - t) / 1000);

    const ratios = { serial: serialMBs / 0.0115, hidPos: posMBs / 0.064, keyboard: keyboardReportsPerS / 1000 };
    log(`  serial framer:    ${serialMBs.toFixed(1)} MB/s (${frames} payloads) = ${Math.round(ratios.serial)}x a 115200-baud scanner`);
    log(`  HID POS decoding: ${posMBs.toFixed(1)} MB/s of reports = ${Math.round(ratios.hidPos)}x a full-speed HID scanner`);
    log(`  keyboard decoding: ${Math.round(keyboardReportsPerS).toLocaleString('en')} reports/s (${chars} chars) = ${Math.round(ratios.keyboard)}x a wedge scanner`);
    return {
      serialFramerMBps: Math.round(serialMBs * 10) / 10,
      hidPosDecodeMBps: Math.round(posMBs * 10) / 10,
      keyboardReportsPerSecond: Math.round(keyboardReportsPerS),
      timesRealRate: { serial: Math.round(ratios.serial), hidPos: Math.round(ratios.hidPos), keyboard: Math.round(ratios.keyboard) },
      payloadsFramed: frames,
      posBytesDecoded: bytes,
      target: 100,
      isWithinTarget: Math.min(ratios.serial, ratios.hidPos, ratios.keyboard) >= 100,
    };
  },
};
