import { describe, expect, it } from 'vitest';
import { lcusFrame } from './lcus-relay.ts';

describe('lcusFrame', () => {
  it.each([
    [1, true, 'a00101a2'],
    [1, false, 'a00100a1'],
    [2, true, 'a00201a3'],
    [2, false, 'a00200a2'],
    [8, true, 'a00801a9'],
  ])('channel %i on=%s is %s', (channel, isOn, hex) => {
    expect(Buffer.from(lcusFrame(channel, isOn)).toString('hex')).toBe(hex);
  });

  it('refuses channel 0 and 9', () => {
    expect(() => lcusFrame(0, true)).toThrow(RangeError);
    expect(() => lcusFrame(9, true)).toThrow(RangeError);
  });
});
