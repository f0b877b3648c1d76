// `npm test` starts here: fail early and clearly on a Node that cannot run better-sqlite3 13.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`Node.js >= 22.18 is required (found ${process.versions.node}). .ci/run installs it; see README.md.`);
  process.exit(1);
}
