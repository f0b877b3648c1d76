// Run at the end of `npm test`. The npm CLI (11, on Node 22) turns on Node's module compile cache
// in $TMPDIR/node-compile-cache before our script starts, so `TMPDIR=$(mktemp -d) npm test` would
// leave npm's own cache behind even though the suite removes everything it makes. Once the folder is
// gone, npm's exit does not make it again (tried), so the run leaves TMPDIR as it found it. The shared
// system /tmp is left alone: other programs' caches may live there.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = process.env.TMPDIR;
if (dir && resolve(dir) !== '/tmp') rmSync(join(dir, 'node-compile-cache'), { recursive: true, force: true });
