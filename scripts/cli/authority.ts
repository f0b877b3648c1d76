import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import { parseSubjectText, subjectKeyText } from '../../common/subject-id.ts';
import type { Subject } from '../../common/wire.ts';
import { blindIndexOf, blindMasterOf, dayKeyOf, makeDayKeys, vnDaysOf } from '../../core/privacy/blind-index.ts';
import { unsealSubject } from '../../core/privacy/seal.ts';
import { writeFileAtomic } from '../../core/runtime/atomic-file.ts';
import { audit, auditHash, auditKeyOf } from '../../server/services/audit.ts';
import { DEFAULT_MARGIN_MIN, DEFAULT_RETENTION_DAYS, MAX_F1_FOLLOWED, MAX_MARGIN_MIN, parseWindow, traceCase, type TraceContact, type TraceResult } from '../../server/services/tracing.ts';
import { openStore } from '../../server/store/open.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { fail, printJson } from './output.ts';
import { cliPrincipal } from './principal.ts';
import { printTrace, type TraceCommandOptions } from './tracing.ts';

/**
 * The health department's tool for sealed subjects (docs/tracing.md): it derives the day keys of the
 * window from the authority's private key, asks the server (or reads the operator's database) by
 * blind index, and opens the sealed contacts itself. The server never sees a key or an identifier.
 */

function readAuthorityKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KioskError('key-missing', `--key ${file}: cannot read the authority's private key (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/** `kiosk authority day-keys`: the file kiosks get (privacy.blindIndexKeysFile), never the master. */
export function dayKeysCommand(o: { key: string; from: string; days: number; out: string }): void {
  try {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from) || !Number.isFinite(Date.parse(`${o.from}T00:00:00Z`))) throw new KioskError('bad-request', `--from ${o.from.slice(0, 40)} is not a date (YYYY-MM-DD)`);
    const master = blindMasterOf(readAuthorityKey(o.key));
    const start = Date.parse(`${o.from}T00:00:00Z`);
    const days = Array.from({ length: o.days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
    writeFileAtomic(o.out, `${JSON.stringify(makeDayKeys(master, days))}\n`, 0o600);
    printJson({ dayKeysFile: o.out, from: days[0], to: days.at(-1), days: days.length });
  } catch (err) {
    fail(err);
  }
}

const traceResultSchema = z.object({
  subject: z.null(),
  identifiers: z.number(),
  window: z.object({ from: z.string(), to: z.string() }),
  marginMin: z.number(),
  depth: z.literal(1),
  visits: z.array(z.object({ venueId: z.string(), venueName: z.string(), venueKind: z.string(), from: z.string(), to: z.string(), exitSeen: z.boolean() })),
  contacts: z.array(
    z.object({
      subject: z.object({ type: z.string(), id: z.string() }).nullable(),
      venueId: z.string(),
      venueName: z.string(),
      at: z.string(),
      overlapMs: z.number(),
      degree: z.enum(['F1', 'F2']),
      sealed: z.object({ entryId: z.string(), sealedSubject: z.string() }).optional(),
    }),
  ),
});

type BlindTrace = (indexes: string[], fromMs: number, toMs: number) => Promise<TraceResult>;

/** Over the API with a health token: the same answer as GET /v1/trace, checked against its shape. */
function overHttp(server: string, token: string, marginMin: number): BlindTrace {
  return async (indexes, fromMs, toMs) => {
    const url = new URL('/v1/trace', server);
    url.search = new URLSearchParams({ blind: indexes.join(','), from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), margin: String(marginMin) }).toString();
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new KioskError('server-unreachable', `cannot reach ${url.origin}: ${(err as Error).message}`, { cause: err });
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const e = body as { error?: { code?: string; message?: string } } | null;
      throw new KioskError('server-rejected', `${url.origin} answered ${res.status}: ${e?.error?.code ?? ''} ${e?.error?.message ?? ''}`.trim());
    }
    const parsed = traceResultSchema.safeParse(body);
    if (!parsed.success) throw new KioskError('server-rejected', `${url.origin} answered a trace of an unexpected shape`);
    return parsed.data as TraceResult;
  };
}

function overStore(store: ServerStore, marginMin: number): BlindTrace {
  return (indexes, fromMs, toMs) => traceCase(store, { keys: { kind: 'blind', indexes }, subject: null, fromMs, toMs, marginMs: marginMin * 60_000, depth: 1 });
}

/** Blind indexes of one person for every day the window touches. */
function blindIndexesOf(master: Buffer, subjects: readonly Subject[], fromMs: number, toMs: number): string[] {
  return vnDaysOf(fromMs, toMs).flatMap((day) => subjects.map((s) => blindIndexOf(dayKeyOf(master, day), s)));
}

/** Opens sealed contacts, drops the excluded people, and merges one person's rows per venue. */
function openContacts(contacts: readonly TraceContact[], pem: string, excluded: ReadonlySet<string>, degree: 'F1' | 'F2'): TraceContact[] {
  const merged = new Map<string, TraceContact>();
  for (const c of contacts) {
    const subject = c.subject ?? (c.sealed ? unsealSubject(c.sealed.sealedSubject, c.sealed.entryId, pem) : null);
    if (!subject || excluded.has(subjectKeyText(subject))) continue;
    const key = `${subjectKeyText(subject)}\n${c.venueId}`;
    const seen = merged.get(key);
    if (seen) {
      seen.overlapMs += c.overlapMs;
      if (c.at < seen.at) seen.at = c.at;
    } else merged.set(key, { subject, venueId: c.venueId, venueName: c.venueName, at: c.at, overlapMs: c.overlapMs, degree });
  }
  return [...merged.values()];
}

export interface AuthorityTraceOptions extends Omit<TraceCommandOptions, 'dwell'> {
  key: string;
  server?: string;
  token?: string;
}

export async function authorityTraceCommand(o: AuthorityTraceOptions): Promise<void> {
  let store: ServerStore | undefined;
  try {
    if (o.json && o.csv) throw new KioskError('bad-request', 'give --json or --csv, not both');
    if ((o.db === undefined) === (o.server === undefined)) throw new KioskError('bad-request', 'give --server URL with --token T, or --db DB');
    if (o.server !== undefined && !o.token) throw new KioskError('bad-request', '--server needs --token (a health token)');
    const parsed = parseSubjectText(o.subject);
    if (!parsed.ok) throw new KioskError('bad-request', `subject: ${parsed.problem}`);
    const { fromMs, toMs } = parseWindow(o.from, o.to, o.retentionDays ?? DEFAULT_RETENTION_DAYS);
    const marginMin = o.marginMin === undefined ? DEFAULT_MARGIN_MIN : Number(o.marginMin);
    if (!/^\d{1,4}$/.test(o.marginMin ?? '0') || marginMin > MAX_MARGIN_MIN) throw new KioskError('bad-request', `margin: minutes 0-${MAX_MARGIN_MIN}`);
    if (o.depth !== undefined && o.depth !== '1' && o.depth !== '2') throw new KioskError('bad-request', 'depth: 1 (contacts) or 2 (contacts of contacts)');
    const pem = readAuthorityKey(o.key);
    const master = blindMasterOf(pem);
    if (o.db !== undefined) store = await openStore(o.db);
    const trace = store ? overStore(store, marginMin) : overHttp(o.server as string, o.token as string, marginMin);

    const caseIndexes = blindIndexesOf(master, [parsed.subject], fromMs, toMs);
    const first = await trace(caseIndexes, fromMs, toMs);
    const excluded = new Set([subjectKeyText(parsed.subject)]);
    const f1 = openContacts(first.contacts, pem, excluded, 'F1');
    const contacts = [...f1];
    let truncated = false;
    if (o.depth === '2') {
      for (const c of f1) if (c.subject) excluded.add(subjectKeyText(c.subject));
      const people = [...new Map(f1.filter((c) => c.subject).map((c) => [subjectKeyText(c.subject as Subject), c])).values()];
      truncated = people.length > MAX_F1_FOLLOWED;
      const f2 = new Map<string, TraceContact>();
      for (const p of people.slice(0, MAX_F1_FOLLOWED)) {
        const from = Math.max(fromMs, Date.parse(p.at) - marginMin * 60_000);
        const r = await trace(blindIndexesOf(master, [p.subject as Subject], from, toMs), from, toMs);
        for (const c of openContacts(r.contacts, pem, excluded, 'F2')) f2.set(`${subjectKeyText(c.subject as Subject)}\n${c.venueId}`, c);
      }
      contacts.push(...f2.values());
    }
    contacts.sort((a, b) => a.degree.localeCompare(b.degree) || a.at.localeCompare(b.at) || a.venueId.localeCompare(b.venueId));
    const result: TraceResult = {
      ...first,
      subject: parsed.subject,
      identifiers: 1,
      depth: o.depth === '2' ? 2 : 1,
      contacts,
      ...(truncated ? { truncated } : {}),
    };
    if (store) {
      // Read straight from the operator's database: the audit there records it, by blind indexes only.
      await audit(store.tracing, cliPrincipal(), 'authority-trace', Date.now(), {
        subjectHash: auditHash(auditKeyOf(store.serverKey), caseIndexes),
        fromMs,
        toMs,
        resultCount: contacts.length,
        detail: { depth: result.depth, marginMin, by: 'blind' },
      });
    }
    printTrace(result, o);
  } catch (err) {
    fail(err);
  } finally {
    await store?.close();
  }
}
