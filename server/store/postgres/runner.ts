import type pg from 'pg';

/** What the trust list (and any helper) needs: a plain read, or a function run inside one transaction. */
export interface PgRunner {
  read<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>, mode?: string): Promise<T>;
}

