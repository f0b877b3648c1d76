import { describe, expect, it } from 'vitest';
import { runKiosk } from '../helpers/cli.ts';

describe('kiosk demo', () => {
  it('runs server, enrollment, core and uploads, and ends with uploaded == stored > 0', async () => {
    const { code, stdout } = await runKiosk(['demo', '--duration', '2', '--json', '--interval-ms', '50']);
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as Record<string, number>;
    expect(code).toBe(0);
    expect(summary.stored).toBeGreaterThan(0);
    expect(summary.uploaded).toBe(summary.stored);
    expect(summary.onServer).toBe(summary.stored);
    expect(summary.denied).toBeGreaterThan(0);
    expect(summary.allowed).toBeGreaterThan(0);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('✗ DENY') && l.includes('unreadable'))).toBe(true);
    // kill -9 of the core mid-pulse: the supervisor drove the gate off within the watchdog interval.
    expect(summary.watchdogRestoredMs).toBeLessThanOrEqual(summary.watchdogMs!);
  });
});
