import { describe, expect, it } from 'vitest';
import { runKiosk } from '../helpers/cli.ts';

describe('kiosk demo', () => {
  it('runs server, enrollment, core and uploads, and ends with uploaded == stored > 0', async () => {
    const { code, stdout, stderr } = await runKiosk(['demo', '--duration', '2', '--json', '--interval-ms', '50']);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as Record<string, number>;
    expect(summary.stored).toBeGreaterThan(0);
    expect(summary.uploaded).toBe(summary.stored);
    expect(summary.onServer).toBe(summary.stored);
    expect(summary.denied).toBeGreaterThan(0);
    expect(summary.allowed).toBeGreaterThan(0);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('✗ DENY') && l.includes('unreadable'))).toBe(true);
    // kill -9 of the core mid-pulse: the supervisor drove the gate off. How soon is the scheduler's
    // on a busy machine; the supervisor's own timing is core/runtime/supervisor.test.ts (fake timers).
    expect(summary.watchdogRestoredMs).toBeGreaterThan(0);
  });
});
