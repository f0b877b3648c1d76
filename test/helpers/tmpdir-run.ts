import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Global setup (vitest.config.ts): one folder for the whole run, inside which every test file makes
 * its own TMPDIR (tmpdir-per-file.ts). Removing it at the end catches what a test file could not
 * remove itself: a worker killed on a timeout never runs its afterAll.
 */
export default function setup(): () => void {
  const run = mkdtempSync(join(tmpdir(), 'vitest-run-'));
  process.env.KIOSK_TEST_RUN_TMPDIR = run;
  return () => rmSync(run, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
