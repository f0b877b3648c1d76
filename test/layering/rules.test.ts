import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Tests of the layer rules themselves (docs/architecture.md §Layers): each rule is run on a small
 * tree that breaks it, so a rule that is loosened or mistyped fails here rather than passing quietly.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const config = require(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };
// eslint.config.js is plain JavaScript (no declaration file): its export's shape is stated here.
const { CREATE_REQUIRE_SHAPES } = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { CREATE_REQUIRE_SHAPES: Array<{ selector: string; message: string }> };

const trees: string[] = [];
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

/** Writes `files` (path → source) into a fresh tree and cruises it with the project's rules. */
async function violations(files: Record<string, string>): Promise<Array<{ rule: string; from: string; to: string }>> {
  const base = mkdtempSync(join(tmpdir(), 'layering-'));
  trees.push(base);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), source);
  }
  const { tsConfig: _projectTsConfig, ...options } = config.options;
  const result = await cruise(['common', 'core', 'drivers'].filter((d) => Object.keys(files).some((f) => f.startsWith(`${d}/`))), {
    ...options,
    baseDir: base,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  } as Parameters<typeof cruise>[1]);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

const EMPTY = 'export {};\n';

describe('dependency rules', () => {
  it('refuse core/lists importing the outbox (or any core folder), and allow common', async () => {
    const found = await violations({
      'common/risk.ts': EMPTY,
      'core/outbox/outbox.ts': "import '../lists/risk-list-store.ts';\n",
      'core/lists/list-db.ts': EMPTY,
      'core/lists/risk-list-store.ts': "import '../../common/risk.ts';\nimport './list-db.ts';\n",
      'core/lists/trust-list-store.ts': "import '../outbox/outbox.ts';\n",
    });
    expect(found).toContainEqual({ rule: 'lists-use-common-only', from: 'core/lists/trust-list-store.ts', to: 'core/outbox/outbox.ts' });
    expect(found.filter((v) => v.rule === 'lists-use-common-only')).toHaveLength(1);
  });

  it('refuse an adapter importing another adapter, and allow contracts, parsers, shared and its own folder', async () => {
    const found = await violations({
      'drivers/contracts/relay.ts': EMPTY,
      'drivers/parsers/framer.ts': EMPTY,
      'drivers/shared/pattern.ts': EMPTY,
      'drivers/serial/port.ts': EMPTY,
      'drivers/hid/hid-backend.ts': EMPTY,
      'drivers/hid/blink1.ts': "import '../contracts/relay.ts';\nimport '../parsers/framer.ts';\nimport '../shared/pattern.ts';\nimport './hid-backend.ts';\n",
      'drivers/hid/tower.ts': "import '../serial/port.ts';\n",
    });
    expect(found).toEqual([{ rule: 'no-adapter-imports-another', from: 'drivers/hid/tower.ts', to: 'drivers/serial/port.ts' }]);
  });

  it('let drivers/create.ts import every adapter', async () => {
    const found = await violations({
      'drivers/serial/port.ts': EMPTY,
      'drivers/hid/hid-backend.ts': EMPTY,
      'drivers/create.ts': "import './serial/port.ts';\nimport './hid/hid-backend.ts';\n",
    });
    expect(found).toEqual([]);
  });

  it('see a module loaded through createRequire when it is called as require()', async () => {
    const found = await violations({
      'drivers/serial/port.ts': EMPTY,
      'core/status/checker.ts': "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nrequire('../../drivers/serial/port.ts');\n",
    });
    expect(found).toContainEqual({ rule: 'core-uses-contracts-only', from: 'core/status/checker.ts', to: 'drivers/serial/port.ts' });
  });
});

describe('the createRequire shapes dependency-cruiser cannot see', () => {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: { 'no-restricted-syntax': ['error', ...CREATE_REQUIRE_SHAPES] } }],
  });
  const lint = async (code: string) => (await eslint.lintText(code, { filePath: join(ROOT, 'core', 'status', 'example.ts') }))[0]!.messages.map((m) => m.message);

  it.each([
    ["createRequire(import.meta.url)('../../drivers/serial/port.ts');", /bind createRequire/],
    ["const load = createRequire(import.meta.url);\nload('../../drivers/serial/port.ts');", /name the function createRequire returns `require`/],
    ["let r: NodeJS.Require;\nr = createRequire(import.meta.url);", /at its declaration/],
  ])('are refused: %s', async (code, message) => {
    const messages = await lint(`import { createRequire } from 'node:module';\n${code}\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it('allow the one shape it sees: const require = createRequire(…)', async () => {
    expect(await lint("import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nrequire('base45-js');\n")).toEqual([]);
  });

  it('are checked in every production folder, not in tests', async () => {
    const project = new ESLint({ cwd: ROOT });
    for (const file of ['common/x.ts', 'core/status/x.ts', 'drivers/hid/x.ts', 'electron/main/x.ts', 'renderer/guard/x.ts', 'server/x.ts']) {
      const rule = ((await project.calculateConfigForFile(join(ROOT, file))) as { rules: Record<string, unknown[]> }).rules['no-restricted-syntax'];
      expect(rule?.slice(1), file).toEqual(CREATE_REQUIRE_SHAPES);
    }
    const inTests = ((await project.calculateConfigForFile(join(ROOT, 'core/status/x.test.ts'))) as { rules: Record<string, unknown> }).rules['no-restricted-syntax'];
    expect(inTests).toBeUndefined();
  });
});
