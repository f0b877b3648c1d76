import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**'],
    // Bounds for a hung test, not waits: tests wait for events. On a busy two-core machine a test
    // that starts several processes can take minutes, so the bound is generous (docs/testing.md).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/helpers/tmpdir-run.ts'],
    setupFiles: ['test/helpers/tmpdir-per-file.ts'],
    // Two cores: PTY, server and browser tests are I/O bound; more workers only add contention.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
