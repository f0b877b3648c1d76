import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { formatEnrollmentQr, parseEnrollmentQr } from '../../common/enroll.ts';
import { z } from 'zod';
import { readTrustFile } from '../../core/dcc/trust-list.ts';
import BUNDLED_VALUE_SETS from '../../server/dcc-value-sets.json' with { type: 'json' };
import { KioskError } from '../../common/errors.ts';
import { unsealSubject } from '../../core/privacy/seal.ts';
import { VENUE_KINDS, type VenueKind } from '../../common/wire.ts';
import { buildServer } from '../../server/app.ts';
import { makePeople, seedStatuses } from '../../server/seed.ts';
import { ServerStore } from '../../server/store.ts';
import { fail, printJson } from './output.ts';

const valueSetsSchema = z.record(z.string(), z.record(z.string(), z.string()));

export async function serverStart(options: { port: number; db: string; host: string; adminToken?: string }): Promise<void> {
  let store: ServerStore;
  try {
    store = new ServerStore(options.db);
  } catch (err) {
    fail(err);
  }
  const app = buildServer({ store, ...(options.adminToken ? { adminToken: options.adminToken } : {}) });
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    fail(new KioskError('server-unreachable', `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`));
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  printJson({ listening: `http://${options.host}:${port}`, port, db: options.db });
  const stop = async () => {
    await app.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** The enrollment QR text (and PNG) when the kiosks' server URL is known. */
async function enrollmentQr(code: string, options: { url?: string; qr?: string }): Promise<string | undefined> {
  if (options.qr && !options.url) throw new KioskError('bad-request', '--qr needs --url (the server address the kiosk will use)');
  if (!options.url) return undefined;
  const text = formatEnrollmentQr({ code, serverUrl: options.url.replace(/\/+$/, '') });
  if (!parseEnrollmentQr(text)) throw new KioskError('bad-request', `--url ${options.url} is not an http(s) URL a kiosk can reach`);
  if (options.qr) await QRCode.toFile(options.qr, text, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  return text;
}

export async function venueAdd(options: { name: string; kind: string; db: string; json?: boolean; codeTtlHours: number; url?: string; qr?: string }): Promise<void> {
  if (!(VENUE_KINDS as readonly string[]).includes(options.kind)) {
    fail(new KioskError('bad-request', `--kind must be one of ${VENUE_KINDS.join(', ')}`));
  }
  const store = new ServerStore(options.db);
  try {
    const created = store.createVenue(options.name, options.kind as VenueKind, options.codeTtlHours * 3600_000);
    const qrText = await enrollmentQr(created.enrollmentCode, options);
    if (options.json) printJson({ ...created, ...(qrText ? { enrollmentQr: qrText } : {}) });
    else {
      process.stdout.write(`venue ${created.venueId} created; enrollment code ${created.enrollmentCode} (valid until ${new Date(created.expiresAt).toISOString()})\n`);
      if (qrText) process.stdout.write(`enrollment QR: ${qrText}${options.qr ? ` (written to ${options.qr})` : ''}\n`);
    }
  } catch (err) {
    fail(err);
  } finally {
    store.close();
  }
}

export async function venueCode(options: { venue: string; db: string; json?: boolean; codeTtlHours: number; url?: string; qr?: string }): Promise<void> {
  const store = new ServerStore(options.db);
  try {
    const issued = store.issueEnrollmentCode(options.venue, options.codeTtlHours * 3600_000);
    const qrText = await enrollmentQr(issued.code, options);
    if (options.json) printJson({ venueId: options.venue, enrollmentCode: issued.code, expiresAt: issued.expiresAt, ...(qrText ? { enrollmentQr: qrText } : {}) });
    else process.stdout.write(`enrollment code ${issued.code} for ${options.venue}${qrText ? `\nenrollment QR: ${qrText}` : ''}\n`);
  } catch (err) {
    fail(err);
  } finally {
    store.close();
  }
}

export function listEntries(options: { db: string; json?: boolean; venue?: string; device?: string; unsealKey?: string }): void {
  const store = new ServerStore(options.db);
  try {
    let entries = store.listEntries({
      ...(options.venue ? { venueId: options.venue } : {}),
      ...(options.device ? { deviceId: options.device } : {}),
    });
    if (options.unsealKey) {
      // The health authority's view: sealed subjects opened with its private key.
      const pem = readFileSync(options.unsealKey, 'utf8');
      entries = entries.map((e) => (e.sealedSubject ? { ...e, subject: unsealSubject(e.sealedSubject, e.entryId, pem) } : e));
    }
    if (options.json) {
      printJson(entries);
      return;
    }
    for (const e of entries) {
      process.stdout.write(
        `${e.deviceId} #${e.seq} ${new Date(e.recordedAt).toISOString()} ${e.direction} ${e.format} ${e.verdict} [${e.reasons.join(',')}] ${e.entryId}\n`,
      );
    }
    process.stdout.write(`${entries.length} entries\n`);
  } finally {
    store.close();
  }
}

export function report(options: { db: string; venue: string; month?: string; date?: string; json?: boolean }): void {
  if ((options.month === undefined) === (options.date === undefined)) fail(new KioskError('bad-request', 'give exactly one of --month YYYY-MM or --date YYYY-MM-DD'));
  const store = new ServerStore(options.db);
  try {
    const r = store.report(options.venue, options.month !== undefined ? { month: options.month } : { date: options.date as string });
    if (options.json) {
      printJson(r);
      return;
    }
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`${r.venueName} (${r.venueId}), ${r.period.from} to ${r.period.to}, ${r.period.timezone}`);
    out('date        entries  exits  allowed  denied  warned  unreadable  offline  people');
    for (const d of [...r.days, { date: 'total     ', ...r.totals }]) {
      out(`${d.date}  ${[d.entries, d.exits, d.allowed, d.denied, d.warned, d.unreadable, d.offlineDecisions, d.distinctPeople].map((n, i) => String(n).padStart([7, 6, 8, 7, 7, 11, 8, 7][i] ?? 7)).join('')}`);
    }
    for (const dev of r.devices) out(`device ${dev.deviceId}: ${dev.entries} entries${dev.gaps.length ? `, missing seq ${dev.gaps.map((g) => `${g.from}-${g.to}`).join(', ')}` : ''}`);
  } catch (err) {
    fail(err);
  } finally {
    store.close();
  }
}

export function seed(options: { db: string; count: number; seed: number; json?: boolean }): void {
  const store = new ServerStore(options.db);
  try {
    const people = makePeople(options.count, options.seed);
    store.db.transaction(() => seedStatuses(store, people))();
    const byStatus: Record<string, number> = {};
    for (const p of people) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
    if (options.json) printJson({ people: people.length, byStatus });
    else process.stdout.write(`seeded ${people.length} people: ${JSON.stringify(byStatus)}\n`);
  } finally {
    store.close();
  }
}

export function trustImport(options: { file: string; db: string; valueSets?: string; json?: boolean }): void {
  let store: ServerStore | undefined;
  try {
    const entries = readTrustFile(options.file);
    const valueSets = valueSetsSchema.safeParse(options.valueSets === undefined ? BUNDLED_VALUE_SETS : JSON.parse(readFileSync(options.valueSets, 'utf8')));
    if (!valueSets.success) throw new KioskError('bad-request', `${options.valueSets ?? 'value sets'}: must be {"set": {"code": "name"}}`);
    store = new ServerStore(options.db);
    const r = store.trustList.import(entries, valueSets.data);
    if (options.json) printJson(r);
    else process.stdout.write(`trust list version ${r.version}: ${r.added} added, ${r.removed} removed, ${r.unchanged} unchanged\n`);
  } catch (err) {
    fail(err);
  } finally {
    store?.close();
  }
}
