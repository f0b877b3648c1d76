import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Setup file (vitest.config.ts): each test file gets its own temporary directory as TMPDIR, and it
 * is removed when the file's tests are done. os.tmpdir() reads TMPDIR on every call and spawned
 * processes inherit it, so folders made by a test, a helper, a kiosk child process or Chromium are
 * removed even when a test fails half-way; the suite leaves TMPDIR as it found it.
 * Tests still remove what they make where they can: this is the floor, not the habit.
 */
const outer = tmpdir();
// Inside the run's folder (tmpdir-run.ts) when there is one, so the run's end removes it even if
// this file's afterAll never runs.
const own = mkdtempSync(join(process.env.KIOSK_TEST_RUN_TMPDIR ?? outer, 'vitest-file-'));
process.env.TMPDIR = own;

afterAll(() => {
  process.env.TMPDIR = outer;
  // Retries: a child that is still exiting (socat, Chromium) may be writing in it for a moment.
  rmSync(own, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});
