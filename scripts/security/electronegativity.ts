import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run lint:electron`: @doyensec/electronegativity over the Electron shell and the renderer,
 * failing on any finding above LOW that docs/security.md does not explain. The tool always exits 0
 * and its CLI breaks on current commander, so its runner is called directly for its findings.
 * Offline it cannot fetch Electron's release list: the version is given, that one check is skipped.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const ELECTRON_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const SEVERITY_RANK: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

interface Issue {
  id: string;
  severity: { name: string };
  confidence: { name: string };
  file: string;
  location: { line: number; column: number };
}

// The shell and its pages together, so the scanner sees the CSP of the HTML the shell loads
// (`--input DIR` scans another tree: the test feeds it a deliberately insecure shell).
const { values } = parseArgs({ options: { input: { type: 'string' } } });
const input = mkdtempSync(join(tmpdir(), 'kiosk-eneg-'));
for (const dir of values.input ? [values.input] : [join(ROOT, 'electron'), join(ROOT, 'renderer')]) {
  cpSync(dir, join(input, basename(dir)), { recursive: true, filter: (src) => !/\.test(-helper)?\.ts$/.test(src) });
}
const require = createRequire(import.meta.url);
// Not for the command line, the runner returns its findings instead of printing them.
const run = require('@doyensec/electronegativity/dist/runner.js') as (options: Record<string, unknown>, forCli: boolean) => Promise<{ issues: Issue[]; errors: unknown[] }>;
const result = await run(
  { input, customScan: [], excludeFromScan: [], isRelative: true, isVerbose: false, electronVersionOverride: ELECTRON_VERSION, parserPlugins: [] },
  false,
);
if (result.errors.length > 0) {
  process.stderr.write(`electronegativity could not parse some files: ${JSON.stringify(result.errors)}\n`);
  process.exit(1);
}
const findings = result.issues.map((i) => ({ issue: i.id, severity: i.severity.name.toUpperCase(), confidence: i.confidence.name, filename: i.file, location: `${i.location.line}:${i.location.column}` }));
if (process.env.KIOSK_ENEG_KEEP) process.stderr.write(`kept ${input}\n`);
else rmSync(input, { recursive: true, force: true });

// docs/security.md, "Accepted electronegativity findings": rows `| ISSUE_ID | file | why |`.
const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
const section = doc.split(/^## Accepted electronegativity findings/m)[1]?.split(/^## /m)[0] ?? '';
const accepted = [...section.matchAll(/^\|\s*`?([A-Z_]+)`?\s*\|\s*`?([^|`]+?)`?\s*\|\s*(.+?)\s*\|$/gm)].map((m) => ({ issue: m[1] as string, file: (m[2] as string).trim(), why: m[3] as string }));

let failures = 0;
for (const f of findings) {
  const rank = SEVERITY_RANK[f.severity] ?? 4;
  const explained = accepted.find((a) => a.issue === f.issue && (a.file === '*' || f.filename.endsWith(a.file)));
  const verdict = rank <= 1 ? 'ok (low)' : explained ? 'accepted (docs/security.md)' : 'FAIL';
  if (verdict === 'FAIL') failures++;
  process.stdout.write(`${verdict.padEnd(28)} ${f.severity.padEnd(13)} ${f.issue} ${f.filename}:${f.location}\n`);
}
process.stdout.write(`electronegativity ${ELECTRON_VERSION}: ${findings.length} findings, ${failures} above LOW without an explanation in docs/security.md\n`);
process.exit(failures === 0 ? 0 : 1);
