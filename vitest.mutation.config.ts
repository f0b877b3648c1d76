import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests StrykerJS runs against each mutant (stryker.config.json): the unit tests that sit next
 * to the mutated folders, plus the driver unit tests that feed drivers/parsers through fakes (fake
 * HID bus, mocked serial port, fake timers: no process, no device): hid-scanners.test.ts is where
 * hid-pos.ts, hid-descriptor.ts and keyboard.ts are exercised end to end, serial-scanner.test.ts
 * drives framer.ts. Not auto-scanner.test.ts: it waits on real-time polling. Integration suites
 * spawn processes and would make each mutant take seconds; a mutant only they can kill counts as
 * surviving here, which is the point of measuring.
 * (Not mergeConfig: it would append to the base's include list instead of replacing it.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'core/decision/**/*.test.ts',
      'core/payload/**/*.test.ts',
      'core/outbox/**/*.test.ts',
      'drivers/parsers/**/*.test.ts',
      'drivers/hid/hid-scanners.test.ts',
      'drivers/serial/serial-scanner.test.ts',
    ],
  },
});
