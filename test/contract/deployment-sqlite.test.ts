import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { deploymentStoreContract } from './deployment.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiosk-deploy-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
deploymentStoreContract('sqlite', async (now) => {
  const store = new SqliteStore(join(dir, `s${++n}.db`), now);
  return { store, cleanup: () => store.close() };
});
