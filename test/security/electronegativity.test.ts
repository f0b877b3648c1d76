import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'security', 'electronegativity.ts');

describe('electronegativity gate', () => {
  it('fails the build on an insecure shell, naming each finding', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--input', join(import.meta.dirname, '..', 'fixtures', 'insecure-shell')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+HIGH\s+CONTEXT_ISOLATION_JS_CHECK/);
    expect(r.stdout).toMatch(/FAIL\s+MEDIUM\s+SANDBOX_JS_CHECK/);
    expect(r.stdout).toMatch(/FAIL\s+MEDIUM\s+WEB_SECURITY_JS_CHECK/);
    expect(r.stdout).toMatch(/above LOW without an explanation/);
  });
});
