import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedRelay } from './led-relay.ts';

/** A sysfs LED class device as the gpio-led overlay creates it. */
function fakeLed(name = 'gate'): { root: string; read(file: string): string } {
  const root = mkdtempSync(join(tmpdir(), 'leds-'));
  mkdirSync(join(root, name));
  for (const [file, value] of [['brightness', '0'], ['max_brightness', '1'], ['trigger', '[none] timer oneshot']] as const) writeFileSync(join(root, name, file), value);
  return { root, read: (file) => readFileSync(join(root, name, file), 'utf8') };
}

describe('LedRelay (kernel LED class)', () => {
  it('switches through brightness with the trigger off', async () => {
    const led = fakeLed();
    const relay = new LedRelay({ name: 'gate', root: led.root, field: 'gate' });
    await relay.start();
    await relay.set(true);
    expect([led.read('trigger'), led.read('brightness')]).toEqual(['none', '1']);
    expect(await relay.readState()).toBe(true);
    await relay.stop();
    expect(led.read('brightness')).toBe('0');
  });

  it('hands a pulse to the kernel: oneshot trigger, delay, shot', async () => {
    const led = fakeLed();
    const relay = new LedRelay({ name: 'gate', root: led.root, field: 'gate' });
    await relay.start();
    await relay.hardwarePulse(800);
    expect([led.read('trigger'), led.read('delay_on'), led.read('shot')]).toEqual(['oneshot', '800', '1']);
  });

  it('refuses a missing LED, naming the field and the fix', async () => {
    const led = fakeLed();
    await expect(new LedRelay({ name: 'nope', root: led.root, field: 'gate' }).start()).rejects.toMatchObject({
      code: 'relay-open-failed',
      message: expect.stringMatching(/gate\.name.*dtoverlay=gpio-led/),
    });
  });
});
