import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPolicyDoc } from '../../scripts/gen-policy-doc.ts';
import { policyTableMarkdown } from './policy-table.ts';

describe('docs/policy.md', () => {
  it('shows the decision table and defaults the code computes (run scripts/gen-policy-doc.ts)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'policy.md'), 'utf8');
    expect(doc).toContain(policyTableMarkdown());
    expect(renderPolicyDoc(doc)).toBe(doc);
  });
});
