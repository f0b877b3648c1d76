// @ts-check
import tseslint from 'typescript-eslint';

const IO_PACKAGES = ['better-sqlite3', 'node-hid', 'serialport', '@serialport/*', 'axios', 'fastify', 'pino', 'ws', 'esbuild'];
const ban = (groups, message) => ({ group: groups, message });

/**
 * dependency-cruiser sees a module loaded through createRequire only when the function is called
 * as `require(…)`; any other shape (`createRequire(url)('../../drivers/x')`, `const load = …`) would
 * hide an import from the layer rules. Exported for the test of the rule (test/layering.test.ts).
 */
export const CREATE_REQUIRE_SHAPES = [
  {
    selector: "CallExpression[callee.type='CallExpression'][callee.callee.name='createRequire']",
    message: 'bind createRequire(…) to a const named `require` and call that, so dependency-cruiser sees the import',
  },
  {
    selector: "VariableDeclarator[init.type='CallExpression'][init.callee.name='createRequire'][id.name!='require']",
    message: 'name the function createRequire returns `require`, so dependency-cruiser sees what it loads',
  },
  {
    selector: "AssignmentExpression[right.type='CallExpression'][right.callee.name='createRequire']",
    message: 'bind createRequire(…) to a const named `require` at its declaration, so dependency-cruiser sees the import',
  },
];

/**
 * Package bans per folder (docs/architecture.md). Flat config replaces a rule's options when a
 * later block sets the same rule, so broad blocks come first and narrower ones after them.
 */
export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'tmp/**', 'coverage/**', '.stryker-tmp/**', 'reports/**', 'docs/**', '**/*.js', '**/*.cjs', 'renderer/vendor/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['common/**/*.ts', 'core/**/*.ts', 'drivers/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts', 'server/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-helper.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...CREATE_REQUIRE_SHAPES],
    },
  },
  {
    files: ['core/**/*.ts', 'drivers/**/*.ts', 'server/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [ban(['electron'], 'electron is only for electron/')] }],
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/outbox/**', 'core/http/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ban(['electron', 'node-hid', 'serialport', '@serialport/*'], 'device packages belong in drivers/'),
            ban(['better-sqlite3'], 'better-sqlite3 is only used in core/outbox/ (and server/)'),
            ban(['axios'], 'HTTP goes through core/http/client.ts'),
          ],
        },
      ],
    },
  },
  {
    files: ['core/outbox/**/*.ts', 'core/http/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [ban(['electron', 'node-hid', 'serialport', '@serialport/*'], 'device packages belong in drivers/')] },
      ],
    },
  },
  {
    files: ['drivers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [ban(['electron', 'better-sqlite3', 'axios', 'fastify'], 'drivers talk to devices only')] },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [ban(['electron', 'node-hid', 'serialport', '@serialport/*', 'axios'], 'the server shares only the wire contract in common/')] },
      ],
    },
  },
  {
    files: ['common/**/*.ts', 'core/payload/**/*.ts', 'core/decision/**/*.ts', 'renderer/**/*.ts', 'drivers/contracts/**/*.ts', 'drivers/parsers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ban(['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'zlib', 'child_process'], 'this code runs anywhere: no Node built-ins'),
            ban(['electron', ...IO_PACKAGES], 'this code is pure: no I/O packages'),
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ban(['node:*', ...IO_PACKAGES], 'a sandboxed preload gets electron (contextBridge, ipcRenderer) and common/ only'),
          ],
        },
      ],
    },
  },
);
