import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedText, fieldFrame, fieldSequence } from '../../scripts/bench/camera-field.ts';
import { toPgm } from '../../scripts/bench/camera-frames.ts';
import { runKiosk } from '../helpers/cli.ts';

/** A field frame with a finder pattern hidden: read by the repair pass only, past the camera's budget. */
const HIDDEN_FINDER = { category: 'finger', index: 5 } as const;

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('kiosk decode-frames', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('prints one {"file","text","ms"} line per frame, null for no code, a conflict for two codes, an error for a bad file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-frames-'));
    const code = fieldFrame('guilloche', 0);
    const two = fieldFrame('multi', 1);
    writeFileSync(join(dir, 'a.pgm'), toPgm(code.image));
    writeFileSync(join(dir, 'b.pgm'), toPgm(fieldFrame('empty', 0).image));
    writeFileSync(join(dir, 'c.pgm'), toPgm(two.image));
    writeFileSync(join(dir, 'd.pgm'), Buffer.from('P5\n1280 720\n255\n\x00\x01'));
    const { code: exit, stdout } = await runKiosk(['decode-frames', dir]);
    expect(exit).toBe(0);
    const [a, b, c, d] = lines(stdout);
    expect(Object.keys(a ?? {})).toEqual(['file', 'text', 'ms']);
    expect(a).toMatchObject({ file: 'a.pgm', text: expectedText(code) ?? '' });
    expect(typeof a?.ms).toBe('number');
    expect(b).toMatchObject({ file: 'b.pgm', text: null });
    expect(c).toMatchObject({ file: 'c.pgm', text: null });
    expect(new Set(c?.conflict as string[])).toEqual(new Set(two.expect.kind === 'conflict' ? two.expect.texts : []));
    expect(d).toMatchObject({ file: 'd.pgm', text: null });
    expect(String(d?.error)).toMatch(/truncated/);
  }, 60_000);

  it('--budget-ms 0 gives a lone frame every pass; a budget that is not a number of milliseconds is refused', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-frames-'));
    const hidden = fieldFrame(HIDDEN_FINDER.category, HIDDEN_FINDER.index);
    writeFileSync(join(dir, 'a.pgm'), toPgm(hidden.image));
    const { code, stdout } = await runKiosk(['decode-frames', dir, '--budget-ms', '0']);
    expect(code).toBe(0);
    expect(lines(stdout)[0]).toMatchObject({ file: 'a.pgm', text: expectedText(hidden) ?? '' });
    // A 1 ms budget leaves the lead pair alone, which does not read it: the option reaches the decoder.
    const tight = await runKiosk(['decode-frames', dir, '--budget-ms', '1']);
    expect(lines(tight.stdout)[0]).toMatchObject({ file: 'a.pgm', text: null });
    for (const bad of ['-1', 'soon']) {
      const refused = await runKiosk(['decode-frames', dir, '--budget-ms', bad]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`--budget-ms ${bad}`);
      expect(refused.stdout).toBe('');
    }
  }, 60_000);

  it('--sequence reads the frames in name order as one stream', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-frames-'));
    const seq = fieldSequence('dark-mode', 0, 4);
    for (const [i, f] of seq.entries()) writeFileSync(join(dir, `f${i}.pgm`), toPgm(f.image));
    const { code, stdout } = await runKiosk(['decode-frames', dir, '--sequence']);
    expect(code).toBe(0);
    const out = lines(stdout);
    expect(out.map((l) => l.file)).toEqual(['f0.pgm', 'f1.pgm', 'f2.pgm', 'f3.pgm']);
    const text = (seq[0] && expectedText(seq[0])) ?? '';
    // A dark-mode screen: the inverted lead pass comes within two frames.
    expect(out.slice(0, 2).some((l) => l.text === text)).toBe(true);
    expect(out.every((l) => l.text === null || l.text === text)).toBe(true);
  }, 60_000);
});
