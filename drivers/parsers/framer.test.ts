import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bytesOf, PayloadFramer, type Frame } from './framer.ts';

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

  it('refuses a non-positive length cap and a suffix over 8 bytes, naming the option', () => {
    expect(() => make({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => make({ suffix: new Uint8Array(9) })).toThrow(/suffix/);
    expect(() => make({ suffix: enc('\r\n\r\n\r\n\r\n') })).not.toThrow();
  });

  it('stamps frames with the monotonic clock when none is injected', () => {
    const f = new PayloadFramer({ suffix: enc('\r'), interByteTimeoutMs: 50, maxBytes: 64 }, (x) => frames.push(x));
    f.push(enc('abc\r'));
    expect(frames[0]?.endedAtMs).toEqual(expect.any(Number));
  });

  it('keeps every byte of a payload longer than its first buffer, up to exactly the cap', () => {
    const payload = Uint8Array.from({ length: 4096 }, (_, i) => 32 + (i % 90));
    const f = make({ maxBytes: 4096 });
    for (let i = 0; i < payload.length; i += 700) f.push(payload.subarray(i, i + 700));
    f.push(enc('\r'));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.framing).toBe('suffix');
    expect(Buffer.from(frames[0]!.bytes).equals(Buffer.from(payload))).toBe(true);
  });

  it('frames a payload of exactly the cap at its suffix, not as an overflow', () => {
    const f = make({ maxBytes: 8 });
    f.push(enc('12345678'));
    f.push(enc('\r'));
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([['12345678', 'suffix']]);
  });

  it('counts silence from the last byte, however many reads came before', () => {
    const f = make();
    f.push(enc('ab'));
    now = 1040;
    vi.advanceTimersByTime(40);
    f.push(enc('c'));
    vi.advanceTimersByTime(40);
    expect(frames).toHaveLength(0);
    vi.advanceTimersByTime(10);
    expect(frames.map((x) => [dec(x.bytes), x.framing, x.endedAtMs])).toEqual([['abc', 'timeout', 1040]]);
    vi.advanceTimersByTime(500);
    expect(frames).toHaveLength(1);
  });

  it('does not count an empty read as a byte: it neither restarts the silence nor restamps the frame', () => {
    const f = make();
    f.push(enc('ab'));
    now = 1030;
    vi.advanceTimersByTime(30);
    f.push(new Uint8Array(0));
    vi.advanceTimersByTime(20);
    expect(frames.map((x) => [dec(x.bytes), x.endedAtMs])).toEqual([['ab', 1000]]);
  });

  it('ends the discarding on silence even when the overflow fell on the last byte of a read', () => {
    const f = make({ maxBytes: 8 });
    f.push(enc('y'.repeat(9)));
    vi.advanceTimersByTime(60);
    f.push(enc('ok'));
    vi.advanceTimersByTime(60);
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([
      ['y'.repeat(8), 'overflow'],
      ['ok', 'timeout'],
    ]);
  });

  it('finds a two-byte suffix while discarding, also split across reads, and not a lone half of it', () => {
    const f = make({ maxBytes: 4, suffix: enc('\r\n') });
    f.push(enc('0123456789\r'));
    f.push(enc('garbage\n'));
    f.push(enc('more\r'));
    f.push(enc('\nok\r\n'));
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([
      ['0123', 'overflow'],
      ['ok', 'suffix'],
    ]);
  });

  it('does not take the cut payload\'s first byte for half of a suffix while discarding', () => {
    const f = make({ maxBytes: 4, suffix: enc('\r\n') });
    f.push(enc('\rabcd\nxyz\r\n'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['\rabc']);
  });

  it('finds a suffix right after the overflow, while discarding', () => {
    const f = make({ maxBytes: 4, suffix: enc('\r\n') });
    f.push(enc('01234\r\nok\r\n'));
    expect(frames.map((x) => dec(x.bytes))).toEqual(['0123', 'ok']);
  });

  it('does not strip a prefix longer than the payload, even when the buffer still holds an older one', () => {
    const f = make({ prefix: enc(']Q1') });
    f.push(enc(']Q1abc\r'));
    f.push(enc(']Q'));
    vi.advanceTimersByTime(50);
    expect(frames.map((x) => dec(x.bytes))).toEqual(['abc', ']Q']);
  });

  it('ignores a payload that is only the prefix, like a lone suffix', () => {
    const f = make({ prefix: enc(']Q1') });
    f.push(enc(']Q1\r'));
    expect(frames).toHaveLength(0);
  });

  it('emits a pending partial payload on flush() (port closing) and says whether one is pending', () => {
    const f = make();
    expect(f.hasPending).toBe(false);
    f.push(enc('half'));
    expect(f.hasPending).toBe(true);
    f.flush();
    expect(f.hasPending).toBe(false);
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([['half', 'timeout']]);
    f.flush();
    vi.advanceTimersByTime(100);
    expect(frames).toHaveLength(1);
  });

  it('drops the rest of an over-long payload on flush() and reads the next one whole', () => {
    const f = make({ maxBytes: 4 });
    f.push(enc('0123456'));
    f.flush();
    f.push(enc('ok\r'));
    expect(frames.map((x) => [dec(x.bytes), x.framing])).toEqual([
      ['0123', 'overflow'],
      ['ok', 'suffix'],
    ]);
  });
});

describe('bytesOf', () => {
  it('turns a configured suffix or prefix into its UTF-8 bytes', () => {
    expect([...bytesOf('\r\n')]).toEqual([0x0d, 0x0a]);
    expect([...bytesOf(']Q1')]).toEqual([0x5d, 0x51, 0x31]);
    expect([...bytesOf('Đ')]).toEqual([0xc4, 0x90]);
  });
});
