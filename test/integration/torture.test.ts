import { describe, expect, it } from 'vitest';
import { killTorture } from '../../scripts/torture/harness.ts';
import { proxyTorture } from '../../scripts/torture/proxy.ts';

/** Short forms of `npm run torture` (which runs 200 kills and 3,000 proxied scans). */
describe('torture (short form)', () => {
  it('loses no printed verdict and stores none twice across SIGKILLs of the kiosk', async () => {
    const result = await killTorture({ iterations: 4, seed: 7 });
    expect(result.printedVerdicts).toBeGreaterThan(0);
    expect(result.details.drainCode).toBe(0);
    expect([result.lost, result.duplicated]).toEqual([0, 0]);
    expect(result.onServer).toBe(result.storedOnKiosk);
  });

  it('ends with exactly the kiosk set on the server through a fault-injecting proxy', async () => {
    const result = await proxyTorture({ scans: 120, seed: 7 });
    expect(result.details.isDrained).toBe(true);
    const faults = result.details.faults as Record<string, number>;
    // The run must actually have met the faults it claims to survive.
    expect(faults['forward-then-reset']! + faults['truncate']! + faults['forward-then-502']!).toBeGreaterThan(0);
    expect([result.lost, result.duplicated]).toEqual([0, 0]);
    expect(result.onServer).toBe(120);
  });
});
