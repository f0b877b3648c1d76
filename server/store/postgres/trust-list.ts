import type { KeyObject } from 'node:crypto';
import type { TrustEntry, TrustListResponse } from '../../../common/wire.ts';
import { checkTrustEntries, planTrustImport, signTrustList, type TrustListRow } from '../trust-rules.ts';
import type { TrustImport, TrustListStore, ValueSets } from '../store.ts';
import type { PgRunner } from './runner.ts';

/**
 * The EU DCC trust list on PostgreSQL, with the rules of trust-rules.ts. Imports are serialised by
 * locking the `trust_version` meta row: two admins importing at once make two versions, not one
 * version with a mix of both.
 */
export class PostgresTrustList implements TrustListStore {
  private readonly db: PgRunner;
  private readonly key: KeyObject;

  constructor(db: PgRunner, key: KeyObject) {
    this.db = db;
    this.key = key;
  }

  async version(): Promise<number> {
    return this.db.read(async (c) => Number(await metaOf(c, 'trust_version')));
  }

  async import(entries: readonly TrustEntry[], valueSets?: ValueSets): Promise<TrustImport> {
    checkTrustEntries(entries);
    return this.db.tx(async (c) => {
      const versionRow = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'trust_version' FOR UPDATE");
      const current = (await c.query<{ thumbprint: string }>('SELECT thumbprint FROM trust_list WHERE removed_version IS NULL')).rows.map((r) => r.thumbprint);
      const plan = planTrustImport(current, entries, valueSets, await metaOf(c, 'value_sets'), Number(versionRow.rows[0]?.value ?? 0));
      if (!plan.version) return plan.outcome;
      const version = plan.version;
      if (plan.toAdd.length > 0) {
        await c.query(
          `INSERT INTO trust_list (thumbprint, kid, country, raw_data, certificate_type, added_version, removed_version)
           SELECT t, k, co, r, ct, $6, NULL FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(t, k, co, r, ct)
           ON CONFLICT (thumbprint) DO UPDATE SET added_version = excluded.added_version, removed_version = NULL, certificate_type = excluded.certificate_type`,
          [
            plan.toAdd.map(([t]) => t),
            plan.toAdd.map(([, e]) => e.kid),
            plan.toAdd.map(([, e]) => e.country),
            plan.toAdd.map(([, e]) => e.rawData),
            plan.toAdd.map(([, e]) => e.certificateType ?? 'DSC'),
            version,
          ],
        );
      }
      if (plan.toRemove.length > 0) await c.query('UPDATE trust_list SET removed_version = $1 WHERE thumbprint = ANY($2::text[])', [version, plan.toRemove]);
      await setMeta(c, 'trust_version', String(version));
      if (plan.valueSetsJson !== undefined) {
        await setMeta(c, 'value_sets', plan.valueSetsJson);
        await setMeta(c, 'value_sets_version', String(version));
      }
      return plan.outcome;
    });
  }

  /** Changes after version `since` (the full list when 0 or unknown), signed; read from one snapshot. */
  async since(since: number): Promise<TrustListResponse> {
    return this.db.tx(async (c) => {
      const version = Number(await metaOf(c, 'trust_version'));
      const isFull = since <= 0 || since > version;
      // COLLATE "C": the same order as SQLite's binary text comparison, whatever the database's locale.
      const certificates = (
        isFull
          ? await c.query<TrustListRow>('SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL ORDER BY kid COLLATE "C", thumbprint COLLATE "C"')
          : await c.query<TrustListRow>(
              'SELECT kid, country, raw_data, certificate_type FROM trust_list WHERE removed_version IS NULL AND added_version > $1 ORDER BY kid COLLATE "C", thumbprint COLLATE "C"',
              [since],
            )
      ).rows;
      const removed = isFull
        ? []
        : (await c.query<{ thumbprint: string }>('SELECT thumbprint FROM trust_list WHERE removed_version > $1 ORDER BY thumbprint COLLATE "C"', [since])).rows.map((r) => r.thumbprint);
      return signTrustList(this.key, {
        version,
        isFull,
        since,
        certificates,
        removed,
        valueSetsJson: await metaOf(c, 'value_sets'),
        valueSetsVersion: Number(await metaOf(c, 'value_sets_version')),
      });
    }, 'REPEATABLE READ READ ONLY');
  }
}

interface Queryable {
  query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

async function metaOf(c: Queryable, key: string): Promise<string> {
  return (await c.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value ?? '';
}

async function setMeta(c: Queryable, key: string, value: string): Promise<void> {
  await c.query('UPDATE meta SET value = $2 WHERE key = $1', [key, value]);
}
