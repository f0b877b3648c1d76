import { KioskError } from '../../common/errors.ts';
import { issueToken } from '../../server/services/tokens.ts';
import type { AuditRecord } from '../../server/store/tracing.ts';
import { fail, printJson } from './output.ts';
import { dbOf, withStore } from './server.ts';

/** `kiosk server token add`: the token is printed once; the database keeps only its hash. */
export async function tokenAdd(options: { db?: string; role: string; venue?: string; label?: string; json?: boolean }): Promise<void> {
  await withStore(dbOf(options), async (store) => {
    const { token, row } = await issueToken(store.tracing, {
      role: options.role,
      now: Date.now(),
      ...(options.venue === undefined ? {} : { venueId: options.venue }),
      ...(options.label === undefined ? {} : { label: options.label }),
    });
    const { hash: _hash, ...shown } = row;
    if (options.json) printJson({ ...shown, token });
    else {
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token ${row.id} (role ${row.role}${row.venueId ? `, venue ${row.venueId}` : ''}): shown once, only its hash is stored\n`);
    }
  });
}

export async function tokenList(options: { db?: string; json?: boolean }): Promise<void> {
  await withStore(dbOf(options), async (store) => {
    const rows = (await store.tracing.listTokens()).map(({ hash: _hash, ...shown }) => shown);
    if (options.json) {
      printJson(rows);
      return;
    }
    for (const t of rows) {
      const state = t.revokedAt === undefined ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
      process.stdout.write(`${t.id}  ${t.role.padEnd(8)} ${(t.venueId ?? '-').padEnd(16)} ${new Date(t.createdAt).toISOString()}  ${state}${t.label ? `  ${t.label}` : ''}\n`);
    }
    process.stdout.write(`${rows.length} tokens\n`);
  });
}

export async function tokenRevoke(options: { db?: string; id: string; json?: boolean }): Promise<void> {
  if (!/^tok_[0-9a-f]{12}$/.test(options.id)) fail(new KioskError('bad-request', `${options.id.slice(0, 40)} is not a token id (tok_ and 12 hex digits; see kiosk server token list)`));
  await withStore(dbOf(options), async (store) => {
    const revokedAt = await store.tracing.revokeToken(options.id);
    if (options.json) printJson({ id: options.id, revokedAt });
    else process.stdout.write(`token ${options.id} revoked (${new Date(revokedAt).toISOString()})\n`);
  });
}

/** `kiosk server audit`: who traced or exported what, when, and how many results. */
export async function auditList(options: { db?: string; json?: boolean; after?: number; limit?: number }): Promise<void> {
  await withStore(dbOf(options), async (store) => {
    const records = await store.tracing.listAudit({ ...(options.after === undefined ? {} : { afterSeq: options.after }), ...(options.limit === undefined ? {} : { limit: options.limit }) });
    if (options.json) {
      printJson(records);
      return;
    }
    for (const r of records) process.stdout.write(`${auditLine(r)}\n`);
    process.stdout.write(`${records.length} records\n`);
  });
}

function auditLine(r: AuditRecord): string {
  const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  return [
    `#${r.seq}`,
    new Date(r.at).toISOString(),
    `${r.actor} (${r.role})`,
    r.action,
    r.subjectHash === null ? 'subject -' : `subject ${r.subjectHash.slice(0, 16)}…`,
    `${iso(r.fromMs)}..${iso(r.toMs)}`,
    `${r.resultCount} results`,
    Object.keys(r.detail).length ? JSON.stringify(r.detail) : '',
  ].join('  ');
}
