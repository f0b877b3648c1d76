/**
 * The slice of a SQLite connection the list stores use. Structural, so core/lists imports no
 * database driver: the lists live in the outbox's database file (one fsync domain, one migration
 * chain in core/outbox/migrations), and core/outbox hands its connection in.
 */
export interface ListStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}

export interface ListDb {
  prepare(sql: string): ListStatement;
  /** Wraps `fn` so that calling the result runs it in one transaction. */
  transaction(fn: () => void): () => void;
}
