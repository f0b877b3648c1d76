import { createHmac, hkdfSync, type KeyObject } from 'node:crypto';
import type { Principal } from './tokens.ts';
import type { AuditAction, AuditRecord, TracingStore } from '../store/tracing.ts';

/**
 * The audit names a subject by a keyed hash, never by its number: someone reading the audit sees
 * that one person was traced twice, and an auditor holding the database can check whether a given
 * person was traced, but the log alone does not list who. The key is derived from the server's
 * own key (kept in the database, never given to kiosks), so a kiosk cannot compute the hashes.
 */
export function auditKeyOf(serverKey: KeyObject): Buffer {
  const der = serverKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), 'KIOSK-AUDIT-V1', 32));
}

/** One hash for what was asked about: a subject's key text, a sorted set of blind indexes or of cases. */
export function auditHash(auditKey: Buffer, parts: readonly string[]): string {
  return createHmac('sha256', auditKey).update([...parts].sort().join('\n')).digest('hex').slice(0, 32);
}

export async function audit(
  store: TracingStore,
  principal: Principal,
  action: AuditAction,
  at: number,
  fields: { subjectHash: string | null; fromMs: number | null; toMs: number | null; resultCount: number; detail?: AuditRecord['detail'] },
): Promise<AuditRecord> {
  return store.appendAudit({ at, actor: principal.actor, role: principal.role, action, ...fields, detail: fields.detail ?? {} });
}
