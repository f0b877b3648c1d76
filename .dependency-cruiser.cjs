/**
 * The import-direction rule (docs/architecture.md §Layers), checked on resolved paths so an alias
 * cannot hide an import. Package bans per folder are in eslint.config.js; DOM/Node type purity is
 * checked by the separate tsconfigs.
 */
const forbidden = [
  { name: 'common-imports-nothing', comment: 'common/ runs anywhere and imports nothing inside the repo', from: { path: '^common/' }, to: { path: '^(core|drivers|electron|renderer|server|scripts|test)/' } },
  { name: 'contracts-and-parsers-use-common-only', comment: 'drivers/shared holds pure helpers (step patterns, USB ids) every adapter may use', from: { path: '^drivers/(contracts|parsers|shared)/' }, to: { path: '^(core|electron|renderer|server|scripts|test)/|^drivers/(?!contracts/|parsers/|shared/)' } },
  { name: 'adapters-use-contracts-parsers-common', from: { path: '^drivers/(?!contracts/|parsers/|shared/|create\\.ts)' }, to: { path: '^(core|electron|renderer|server|scripts|test)/|^drivers/create\\.ts' } },
  {
    name: 'no-adapter-imports-another',
    comment: 'an adapter (hid, serial, gpio, stdio, fake, indicators, scanners) imports no other adapter; drivers/create.ts composes them',
    from: { path: '^drivers/([^/]+)/', pathNot: '^drivers/(contracts|parsers|shared)/' },
    to: { path: '^drivers/[^/]+/', pathNot: '^drivers/(contracts|parsers|shared|$1)/' },
  },
  { name: 'driver-factory-imports-adapters-only', from: { path: '^drivers/create\\.ts' }, to: { path: '^(core|electron|renderer|server|scripts|test)/' } },
  { name: 'pure-core-stays-pure', comment: 'core/payload and core/decision import each other and common/ only', from: { path: '^core/(payload|decision)/' }, to: { path: '^(drivers|electron|renderer|server|scripts|test)/|^core/(?!payload/|decision/)' } },
  { name: 'lists-use-common-only', comment: 'core/lists (risk and trust list stores) get a database handed in by core/outbox and import common/ only', from: { path: '^core/lists/' }, to: { path: '^core/(?!lists/)|^(drivers|electron|renderer|server|scripts|test)/' } },
  { name: 'core-uses-contracts-only', from: { path: '^core/' }, to: { path: '^drivers/(?!contracts/)|^(electron|renderer|server|scripts|test)/' } },
  { name: 'electron-main-no-ui-no-server', from: { path: '^electron/main/' }, to: { path: '^(renderer|server|scripts|test|electron/preload)/' } },
  { name: 'preload-uses-common-only', from: { path: '^electron/preload/' }, to: { path: '^(core|drivers|renderer|server|scripts|test|electron/main)/' } },
  { name: 'renderer-uses-common-only', from: { path: '^renderer/' }, to: { path: '^(core|drivers|electron|server|scripts|test)/' } },
  { name: 'server-shares-only-common', from: { path: '^server/' }, to: { path: '^(core|drivers|electron|renderer|scripts|test)/' } },
  { name: 'nobody-imports-scripts-or-tests', from: { path: '^(common|core|drivers|electron|renderer|server)/', pathNot: '\\.test\\.ts$' }, to: { path: '^(scripts|test)/' } },
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
].map((r) => ({
  severity: 'error',
  ...r,
  // Tests (next to the code or under test/) may import anything; the rules bind production code.
  from: { ...r.from, pathNot: [r.from.pathNot, '\\.test\\.ts$|\\.test-helper\\.ts$|^test/'].filter(Boolean).join('|') },
}));

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'], conditionNames: ['node', 'import', 'require', 'default'], exportsFields: ['exports'], mainFields: ['module', 'main', 'types'] },
  },
};
