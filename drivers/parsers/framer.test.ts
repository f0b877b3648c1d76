import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PayloadFramer, type Frame } from './framer.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('PayloadFramer', () => {
  let frames: Frame[];
  let now: number;
  const make = (opts: Partial<ConstructorParameters<typeof PayloadFramer>[0]> = {}) =>
    new PayloadFramer({ suffix: enc('\r'), interByteTimeoutMs: 50, maxBytes: 64, now: () => now, ...opts }, (f) => frames.push(f));

  beforeEach(() => {
    vi.useFakeTimers();
    frames = [];
    now = 1000;
  });
  afterEach(() => vi.useRealTimers());

  it('emits a payload at the suffix, without the suffix', () => {
    const f = make();
    f.push(enc('ABC\r'));
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([['ABC', 'suffix']]);
  });

  it('joins a payload split over several reads', () => {
    const f = make();
    f.push(enc('Nguyễn '));
    f.push(enc('Thị\r'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['Nguyễn Thị']);
  });

  it('splits two payloads glued in one read', () => {
    const f = make();
    f.push(enc('one\rtwo\r'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['one', 'two']);
  });

  it('finds a two-byte suffix split across reads', () => {
    const f = make({ suffix: enc('\r\n') });
    f.push(enc('abc\r'));
    expect(frames).toHaveLength(0);
    f.push(enc('\nxyz\r\n'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['abc', 'xyz']);
  });

  it('emits after 50 ms of silence when the suffix never comes', () => {
    const f = make();
    f.push(enc('half a pay'));
    vi.advanceTimersByTime(49);
    expect(frames).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([['half a pay', 'timeout']]);
  });

  it('stamps the frame with the arrival time of its last byte', () => {
    const f = make();
    f.push(enc('ab'));
    now = 1010;
    f.push(enc('c\r'));
    expect(frames[0]?.endedAtMs).toBe(1010);
  });

  it('cuts an over-long payload once and discards the rest up to the suffix', () => {
    const f = make({ maxBytes: 8 });
    f.push(enc('x'.repeat(10_000)));
    f.push(enc('\rnext\r'));
    expect(frames.map((x) => [x.bytes.length, x.framing])).toEqual([
      [8, 'overflow'],
      [4, 'suffix'],
    ]);
  });

  it('discards the rest of an over-long payload until silence when no suffix comes', () => {
    const f = make({ maxBytes: 8 });
    f.push(enc('y'.repeat(100)));
    vi.advanceTimersByTime(60);
    f.push(enc('ok\r'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['y'.repeat(8), 'ok']);
  });

  it('strips a configured prefix only when present', () => {
    const f = make({ prefix: enc(']Q1') });
    f.push(enc(']Q1abc\rdef\r'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['abc', 'def']);
  });

  it('ignores a lone suffix', () => {
    const f = make();
    f.push(enc('\r\r'));
    expect(frames).toHaveLength(0);
  });

  it('frames by timeout alone when the suffix is empty', () => {
    const f = make({ suffix: new Uint8Array(0) });
    f.push(enc('abc\r'));
    vi.advanceTimersByTime(50);
    expect(frames.map((x) => dec(x.bytes))).toEqual(['abc\r']);
  });

  it('keeps binary bytes as bytes', () => {
    const f = make();
    f.push(Uint8Array.of(0xff, 0x00, 0xc4, 0x90, 0x0d));
    expect([...(frames[0]?.bytes ?? [])]).toEqual([0xff, 0x00, 0xc4, 0x90]);
  });

  it('refuses a non-positive timeout with a TypeError naming the option', () => {
    expect(() => make({ interByteTimeoutMs: 0 })).toThrow(/interByteTimeoutMs/);
  });

  it('discards a pending partial payload on flush(false)', () => {
    const f = make();
    f.push(enc('partial'));
    f.flush(false);
    vi.advanceTimersByTime(100);
    expect(frames).toHaveLength(0);
  });
});
