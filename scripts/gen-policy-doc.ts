import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyDefaultsMarkdown, policyTableMarkdown } from '../core/decision/policy-table.ts';

/**
 * Rewrites the generated tables of docs/policy.md from the code (between the BEGIN/END markers).
 * `core/decision/policy-doc.test.ts` fails when the document is out of date.
 */
export function renderPolicyDoc(doc: string): string {
  return doc
    .replace(/(<!-- BEGIN defaults -->\n)[\s\S]*?(<!-- END defaults -->)/, `$1${policyDefaultsMarkdown()}\n$2`)
    .replace(/(<!-- BEGIN table -->\n)[\s\S]*?(<!-- END table -->)/, `$1${policyTableMarkdown()}\n$2`);
}

if (import.meta.main) {
  const path = join(import.meta.dirname, '..', 'docs', 'policy.md');
  writeFileSync(path, renderPolicyDoc(readFileSync(path, 'utf8')));
  process.stdout.write(`updated ${path}\n`);
}
