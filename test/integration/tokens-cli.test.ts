import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKiosk } from '../helpers/cli.ts';
import { tempDirRemovedAtExit } from '../helpers/server.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { buildServer } from '../../server/http/app.ts';

describe('kiosk server token', () => {
  it('prints a token once, lists it without the secret, and a revoked token answers 401', async () => {
    const db = join(tempDirRemovedAtExit('kiosk-tokens-'), 'server.db');
    const venue = await runKiosk(['server', 'venue', 'add', '--name', 'Chợ Bến Thành', '--kind', 'market', '--db', db, '--json']);
    const { venueId } = JSON.parse(venue.stdout) as { venueId: string };

    const added = await runKiosk(['server', 'token', 'add', '--role', 'venue', '--venue', venueId, '--label', 'Ban quản lý chợ', '--db', db]);
    expect(added.code).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^kst_[A-Za-z0-9_-]{43}$/);
    expect(added.stderr).toMatch(/shown once/);

    const listed = await runKiosk(['server', 'token', 'list', '--db', db, '--json']);
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; role: string; venueId: string; label: string }>;
    expect(rows).toEqual([expect.objectContaining({ role: 'venue', venueId, label: 'Ban quản lý chợ' })]);
    expect(listed.stdout).not.toContain(token);

    const bad = await runKiosk(['server', 'token', 'add', '--role', 'root', '--db', db]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--role root is not a role/)]);

    const id = (rows[0] as { id: string }).id;
    expect((await runKiosk(['server', 'token', 'revoke', id, '--db', db])).code).toBe(0);
    const store = new SqliteStore(db);
    const app = buildServer({ store });
    try {
      const res = await app.inject({ method: 'GET', url: `/v1/venues/${venueId}/report?month=2021-09`, headers: { authorization: `Bearer ${token}` } });
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthorized']);
    } finally {
      await app.close();
      await store.close();
    }
    const unknown = await runKiosk(['server', 'token', 'revoke', 'tok_000000000000', '--db', db]);
    expect(unknown.stderr).toMatch(/does not exist/);
  }, 120_000);
});
