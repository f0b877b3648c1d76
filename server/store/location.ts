/**
 * How a --db value is read and printed, shared by open.ts and the engines (an engine importing
 * open.ts would make a cycle, since open.ts loads the engines).
 */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/** A database location safe to print: the password of a URL is replaced by ***. */
export function redactDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return db.replace(/:[^:@/]*@/, ':***@');
  }
}
