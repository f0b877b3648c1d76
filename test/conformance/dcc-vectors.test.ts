import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect, type Inspection } from '../../core/dcc/inspect.ts';
import { parseInstant } from '../../common/time.ts';
import { checkVector, DCC_TESTDATA, loadKnownIssues, loadVectors, summarize, type CheckResult, type Runner } from '../../scripts/conformance/dcc-vectors.ts';

const inProcess: Runner = async (i) =>
  inspect({ ...(i.text === undefined ? {} : { text: i.text }), ...(i.png ? { png: i.png } : {}), trust: i.trust, nowMs: i.at ? (parseInstant(i.at) as number) : Date.now() });

const reason = DCC_TESTDATA ? undefined : 'EU DCC test vectors not found (set KIOSK_DCC_TESTDATA to ../shared/testdata/dcc)';
if (reason) console.log(`skipped: ${reason}`);

describe.skipIf(reason !== undefined)('EU DCC conformance (dgc-testdata RAW vectors)', () => {
  it('passes at least 99.5% of the undisputed checks; the only failure is the vector without a picture', async () => {
    const issues = loadKnownIssues();
    const results: CheckResult[] = [];
    for (const v of loadVectors()) results.push(...(await checkVector(v, inProcess, issues)));
    const s = summarize(results);
    expect(s.total).toBeGreaterThan(2800);
    expect(s.rate).toBeGreaterThanOrEqual(0.995);
    // A new failure is a regression (or a new vector to explain in docs/conformance.md).
    expect(s.failures.map((f) => `${f.vector} ${f.expectation}`)).toEqual(['common/B1 EXPECTEDPICTUREDECODE']);
    // Every stage-level expectation type is exercised.
    for (const row of Object.values(s.byExpectation)) expect(row.total + row.disputed).toBeGreaterThan(0);
  });

  it('gives the same answers through `kiosk verify --json` as in-process', () => {
    const vectors = loadVectors().filter((v) => ['VA/1', 'common/CO20', 'common/DGC2', 'common/Z1'].includes(v.id));
    expect(vectors).toHaveLength(4);
    const dir = mkdtempSync(join(tmpdir(), 'verify-'));
    for (const v of vectors) {
      const trust = join(dir, 'trust.json');
      writeFileSync(trust, JSON.stringify(v.trust));
      const args = ['scripts/kiosk.js', 'verify', '--json', '--trust', trust, ...(v.clock ? ['--at', v.clock] : [])];
      const cli = JSON.parse(execFileSync(process.execPath, args, { input: v.prefix, encoding: 'utf8' })) as Inspection;
      const direct = inspect({ text: v.prefix, trust: v.trust, nowMs: v.clock ? (parseInstant(v.clock) as number) : Date.now() });
      expect(cli).toEqual(JSON.parse(JSON.stringify(direct)));
    }
    const png = join(dir, 'qr.png');
    const va1 = vectors[0]!;
    writeFileSync(png, va1.png!);
    const fromImage = JSON.parse(execFileSync(process.execPath, ['scripts/kiosk.js', 'verify', '--json', '--image', png], { encoding: 'utf8' })) as Inspection;
    expect(fromImage.text).toBe(va1.prefix);
    expect(fromImage.stages).toMatchObject({ image: true, prefix: true, cbor: true, signature: null });
    expect(fromImage.verdict).not.toBe('allow');
  });
});
