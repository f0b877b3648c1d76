import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { formatEnrollmentQr, parseEnrollmentQr } from '../../common/enroll.ts';
import { z } from 'zod';
import { readTrustFile } from '../../core/dcc/trust-list.ts';
import BUNDLED_VALUE_SETS from '../../server/dcc-value-sets.json' with { type: 'json' };
import { KioskError } from '../../common/errors.ts';
import { unsealSubject } from '../../core/privacy/seal.ts';
import { VENUE_KINDS, type VenueKind } from '../../common/wire.ts';
import cluster from 'node:cluster';
import { buildServer } from '../../server/http/app.ts';
import { openStore, redactDb } from '../../server/store/open.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { identityLinksOf, makePeople, seedStatuses } from '../../server/services/seed.ts';
import { entrySeedPlan, seedEntries, type EntrySeedPlan } from '../../server/services/seed-entries.ts';
import { fail, printJson } from './output.ts';
import { adminUnits, type VenueLocation } from '../../server/services/admin-units.ts';
import { deploymentCsv, deploymentReport, describeLocation } from '../../server/services/deployment.ts';
import { fleetView, HEARTBEAT_HISTORY_DAYS, silentAfterMsOf } from '../../server/services/fleet.ts';
import { cliPrincipal } from './principal.ts';

const valueSetsSchema = z.record(z.string(), z.record(z.string(), z.string()));

/** The database of a `kiosk server` command: --db, else KIOSK_SERVER_DB. */
export function dbOf(o: { db?: string }): string {
  const db = o.db ?? process.env.KIOSK_SERVER_DB;
  if (!db) fail(new KioskError('config-missing', 'give --db FILE (SQLite) or --db postgres://… (or set KIOSK_SERVER_DB)'));
  return db;
}

/** Opens the store, runs `work`, closes it; any failure is printed for a technician with its exit code. */
export async function withStore<T>(db: string, work: (store: ServerStore) => Promise<T>): Promise<T> {
  let store: ServerStore | undefined;
  try {
    store = await openStore(db);
    return await work(store);
  } catch (err) {
    return fail(err);
  } finally {
    await store?.close();
  }
}

const LISTEN_BACKLOG = 8192;

export interface ServerStartOptions {
  port: number;
  db: string;
  host: string;
  adminToken?: string;
  workers: number;
  retentionDays: number;
  poolSize?: number;
  maxInflightUploads?: number;
}

/**
 * One API process, or with `workers` > 1 a supervisor that forks that many onto one port (node:cluster
 * shares the listening socket) and restarts any that dies. Workers keep no state of their own: nonces,
 * codes, rate limits and revocations are in the database, so hosts can run workers against one database.
 */
export async function serverStart(options: ServerStartOptions): Promise<void> {
  if (options.workers > 1 && cluster.isPrimary) return superviseWorkers(options);
  let store: ServerStore;
  try {
    store = await openStore(options.db, options.poolSize === undefined ? {} : { poolSize: options.poolSize });
  } catch (err) {
    fail(err);
  }
  const housekeeping = async () => {
    try {
      await store.maintain(options.retentionDays);
      await store.deployment.pruneHeartbeats(Date.now() - HEARTBEAT_HISTORY_DAYS * 86_400_000);
    } catch (err) {
      process.stderr.write(`kiosk server: housekeeping failed (will retry in an hour): ${(err as Error).message}\n`);
    }
  };
  await housekeeping();
  const timer = setInterval(() => void housekeeping(), 3600_000);
  timer.unref();
  const app = buildServer({
    store,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.maxInflightUploads === undefined ? {} : { maxInflightUploads: options.maxInflightUploads }),
  });
  try {
    // A morning's kiosks connect at once: Node's default backlog (511) drops their SYNs, and each
    // dropped SYN costs a kiosk a 1, 3, 7 s retransmit. The kernel caps it at net.core.somaxconn.
    await app.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG });
  } catch (err) {
    fail(new KioskError('server-unreachable', `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`));
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const started = { listening: `http://${options.host}:${port}`, port, db: redactDb(options.db), store: store.engine, workers: options.workers };
  if (cluster.isWorker) process.send?.({ kind: 'listening', ...started });
  else printJson(started);
  const stop = async () => {
    clearInterval(timer);
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function superviseWorkers(options: ServerStartOptions): Promise<void> {
  let isStopping = false;
  let isAnnounced = false;
  const restarts: number[] = [];
  const fork = (): void => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      const msg = m as { kind?: string };
      if (msg.kind === 'listening' && !isAnnounced) {
        isAnnounced = true;
        const { kind: _kind, ...started } = msg as Record<string, unknown>;
        printJson(started);
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (isStopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // A worker that cannot even open the database would die forever: give up after 10 deaths a minute.
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - 60_000) restarts.shift();
    process.stderr.write(`kiosk server: worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another\n`);
    if (restarts.length > 10) {
      process.stderr.write('kiosk server: workers keep dying (10 in a minute): stopping; see the errors above\n');
      process.exit(1);
    }
    setTimeout(fork, Math.min(5000, 100 * restarts.length));
  });
  const stop = (): void => {
    isStopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let i = 0; i < options.workers; i++) fork();
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

export async function venueAdd(options: {
  name: string;
  kind: string;
  db?: string;
  json?: boolean;
  codeTtlHours: number;
  url?: string;
  qr?: string;
  commune?: string;
  district?: string;
  province?: string;
}): Promise<void> {
  if (!(VENUE_KINDS as readonly string[]).includes(options.kind)) {
    fail(new KioskError('bad-request', `--kind must be one of ${VENUE_KINDS.join(', ')}`));
  }
  let location: VenueLocation | undefined;
  try {
    if (options.commune === undefined && (options.district !== undefined || options.province !== undefined)) {
      throw new KioskError('bad-request', '--district and --province check a --commune: give the commune code');
    }
    // Checked before anything is written: a refused code leaves no venue behind.
    location = options.commune === undefined ? undefined : locateVenue(options.commune, options.district, options.province);
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(options), async (store) => {
    const created = await store.createVenue(options.name, options.kind as VenueKind, options.codeTtlHours * 3600_000);
    if (location) await store.deployment.setVenueLocation(created.venueId, location);
    const qrText = await enrollmentQr(created.enrollmentCode, options);
    if (options.json) printJson({ ...created, ...(location ? { location } : {}), ...(qrText ? { enrollmentQr: qrText } : {}) });
    else {
      process.stdout.write(`venue ${created.venueId} created (${describeLocation(location ?? null)}); enrollment code ${created.enrollmentCode} (valid until ${new Date(created.expiresAt).toISOString()})\n`);
      if (qrText) process.stdout.write(`enrollment QR: ${qrText}${options.qr ? ` (written to ${options.qr})` : ''}\n`);
    }
  });
}

export async function venueCode(options: { venue: string; db?: string; json?: boolean; codeTtlHours: number; url?: string; qr?: string }): Promise<void> {
  await withStore(dbOf(options), async (store) => {
    const issued = await store.issueEnrollmentCode(options.venue, options.codeTtlHours * 3600_000);
    const qrText = await enrollmentQr(issued.code, options);
    if (options.json) printJson({ venueId: options.venue, enrollmentCode: issued.code, expiresAt: issued.expiresAt, ...(qrText ? { enrollmentQr: qrText } : {}) });
    else process.stdout.write(`enrollment code ${issued.code} for ${options.venue}${qrText ? `\nenrollment QR: ${qrText}` : ''}\n`);
  });
}

export async function listEntries(options: { db?: string; json?: boolean; count?: boolean; venue?: string; device?: string; unsealKey?: string }): Promise<void> {
  await withStore(dbOf(options), async (store) => {
    if (options.count) {
      const count = await store.countEntries();
      if (options.json) printJson({ count });
      else process.stdout.write(`${count} entries\n`);
      return;
    }
    let entries = await store.listEntries({
      ...(options.venue ? { venueId: options.venue } : {}),
      ...(options.device ? { deviceId: options.device } : {}),
    });
    // An export from the database is audited like GET /v1/entries (the audit names the OS user).
    await store.tracing.appendAudit({
      at: Date.now(),
      actor: cliPrincipal('operator').actor,
      role: 'operator',
      action: 'export',
      subjectHash: null,
      fromMs: null,
      toMs: null,
      resultCount: entries.length,
      detail: { ...(options.venue ? { venueId: options.venue.slice(0, 64) } : {}), ...(options.device ? { deviceId: options.device.slice(0, 64) } : {}), unsealed: options.unsealKey !== undefined },
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
  });
}

export async function report(options: { db?: string; venue?: string; month?: string; date?: string; json?: boolean; kind?: string }): Promise<void> {
  if (options.kind !== undefined) fail(new KioskError('bad-request', `unknown report "${options.kind}": the reports are "deployment" (kiosk server report deployment) and a venue's (--venue)`));
  if (options.venue === undefined) fail(new KioskError('bad-request', "give --venue ID for a venue's report, or `kiosk server report deployment --province P --month YYYY-MM`"));
  const venueId = options.venue;
  if ((options.month === undefined) === (options.date === undefined)) fail(new KioskError('bad-request', 'give exactly one of --month YYYY-MM or --date YYYY-MM-DD'));
  await withStore(dbOf(options), async (store) => {
    const r = await store.report(venueId, options.month !== undefined ? { month: options.month } : { date: options.date as string });
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
  });
}

export async function seed(options: { db?: string; count: number; seed: number; json?: boolean; entries?: string; from?: string; days?: string; isCountGiven?: boolean }): Promise<void> {
  if (options.entries === undefined && (options.from !== undefined || options.days !== undefined)) fail(new KioskError('bad-request', '--from and --days go with --entries N (how many entries to make)'));
  if (options.entries !== undefined) {
    let plan: EntrySeedPlan;
    try {
      plan = entrySeedPlan({ entries: options.entries, seed: options.seed, ...(options.from === undefined ? {} : { from: options.from }), ...(options.days === undefined ? {} : { days: options.days }), ...(options.isCountGiven ? { people: options.count } : {}) }, Date.now());
    } catch (err) {
      fail(err);
    }
    await withStore(dbOf(options), async (store) => {
      const s = await seedEntries(store, plan, (line) => process.stderr.write(`${line}\n`));
      const { inPerCommuneDay: _perCommune, ...summary } = s;
      const text = `seeded ${s.entries} entries (${s.exits} exit scans) from ${s.from} to ${s.to}: ${s.venues} venues in ${s.provinces} provinces and ${s.communes} communes, ${s.devices} kiosks, ${s.people} people, ${s.batches} batches in ${s.seconds} s (${Math.round(s.entries / Math.max(s.seconds, 0.1))} entries/s) on ${store.engine}\n`;
      if (options.json) {
        process.stderr.write(text);
        printJson({ ...summary, engine: store.engine, seed: plan.seed });
      } else process.stdout.write(text);
    });
    return;
  }
  await withStore(dbOf(options), async (store) => {
    const people = makePeople(options.count, options.seed);
    await seedStatuses(store, people);
    // The person registry: QID, CCCD and old CMND of each person (tracing follows all of them).
    const links = await store.tracing.linkIdentities(identityLinksOf(people));
    const byStatus: Record<string, number> = {};
    for (const p of people) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
    if (options.json) printJson({ people: people.length, byStatus, identityLinks: links });
    else process.stdout.write(`seeded ${people.length} people (${links} identity links): ${JSON.stringify(byStatus)}\n`);
  });
}

export async function trustImport(options: { file: string; db?: string; valueSets?: string; json?: boolean }): Promise<void> {
  let entries: ReturnType<typeof readTrustFile>;
  let valueSets: z.infer<typeof valueSetsSchema>;
  try {
    entries = readTrustFile(options.file);
    const parsed = valueSetsSchema.safeParse(options.valueSets === undefined ? BUNDLED_VALUE_SETS : JSON.parse(readFileSync(options.valueSets, 'utf8')));
    if (!parsed.success) throw new KioskError('bad-request', `${options.valueSets ?? 'value sets'}: must be {"set": {"code": "name"}}`);
    valueSets = parsed.data;
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(options), async (store) => {
    const r = await store.trustList.import(entries, valueSets);
    if (options.json) printJson(r);
    else process.stdout.write(`trust list version ${r.version}: ${r.added} added, ${r.removed} removed, ${r.unchanged} unchanged\n`);
  });
}

function locateVenue(commune: string, district?: string, province?: string): VenueLocation {
  return adminUnits().locate({ commune, ...(district === undefined ? {} : { district }), ...(province === undefined ? {} : { province }) });
}

export async function venuePlace(options: { venue: string; commune: string; db?: string; json?: boolean }): Promise<void> {
  let location: VenueLocation;
  try {
    location = locateVenue(options.commune);
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(options), async (store) => {
    await store.deployment.setVenueLocation(options.venue, location);
    if (options.json) printJson({ venueId: options.venue, location });
    else process.stdout.write(`venue ${options.venue}: ${describeLocation(location)}\n`);
  });
}

export async function venueList(options: { db?: string; province?: string; json?: boolean }): Promise<void> {
  let province: string | undefined;
  try {
    province = options.province === undefined ? undefined : adminUnits().province(options.province).code;
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(options), async (store) => {
    const venues = await store.deployment.venues(province === undefined ? {} : { provinceCode: province });
    if (options.json) {
      printJson(venues.map((v) => ({ ...v, place: describeLocation(v.location) })));
      return;
    }
    for (const v of venues) process.stdout.write(`${v.id}  ${v.kind.padEnd(12)} ${v.name} — ${describeLocation(v.location)}\n`);
    process.stdout.write(`${venues.length} venues\n`);
  });
}

export async function deploymentReportCommand(options: { db?: string; province?: string; district?: string; month?: string; json?: boolean; csv?: boolean; venue?: string; date?: string }): Promise<void> {
  if (options.venue !== undefined || options.date !== undefined) fail(new KioskError('bad-request', "--venue and --date belong to a venue's report (kiosk server report --venue ID)"));
  if (options.province === undefined || options.month === undefined) fail(new KioskError('bad-request', 'give --province CODE and --month YYYY-MM'));
  if (options.json && options.csv) fail(new KioskError('bad-request', 'give one of --json or --csv'));
  const req = { province: options.province, month: options.month, ...(options.district === undefined ? {} : { district: options.district }) };
  await withStore(dbOf(options), async (store) => {
    const r = await deploymentReport(store.deployment, req, Date.now());
    if (options.json) return printJson(r);
    if (options.csv) return void process.stdout.write(deploymentCsv(r));
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`Báo cáo triển khai ${r.district ? `${r.district.name}, ` : ''}${r.province.name}, tháng ${r.month.slice(5)}/${r.month.slice(0, 4)} (${r.period.from} – ${r.period.to})`);
    out('district  commune  venues  uploaded  kiosks  silent  entries  oldest-backlog-h  name');
    for (const c of r.communes) {
      if (c.venues === 0 && c.kiosks === 0 && c.entries === 0) continue;
      out(
        `${c.districtCode.padEnd(8)}  ${c.communeCode.padEnd(7)}  ${String(c.venues).padStart(6)}  ${String(c.venuesUploaded).padStart(8)}  ${String(c.kiosks).padStart(6)}  ${String(c.silentKiosks).padStart(6)}  ${String(c.entries).padStart(7)}  ${(c.oldestBacklogMs === null ? '' : (c.oldestBacklogMs / 3600_000).toFixed(1)).padStart(16)}  ${c.communeName}, ${c.districtName}`,
      );
    }
    const t = r.totals;
    out(`total: ${t.venues} venues (${t.venuesUploaded} uploaded this month), ${t.kiosks} kiosks (${t.silentKiosks} silent > 24 h), ${t.entries} entries`);
    out(`communes without a venue: ${t.communesWithoutVenue} of ${t.communes} (${(t.shareWithoutVenue * 100).toFixed(1)}%)`);
    if (r.unlocatedVenues > 0) out(`${r.unlocatedVenues} venues have no location ("chưa có địa bàn") and are in no province's figures: kiosk server venue place --venue ID --commune CODE`);
    return undefined;
  });
}

export async function fleetCommand(options: { db?: string; province?: string; silentHours: string; json?: boolean }): Promise<void> {
  let silentAfterMs: number;
  let province: string | undefined;
  try {
    silentAfterMs = silentAfterMsOf(options.silentHours);
    province = options.province === undefined ? undefined : adminUnits().province(options.province).code;
  } catch (err) {
    fail(err);
  }
  await withStore(dbOf(options), async (store) => {
    const rows = fleetView(await store.deployment.fleet(province === undefined ? {} : { provinceCode: province }), Date.now(), silentAfterMs);
    if (options.json) return printJson(rows);
    const ago = (ms: number) => (ms < 3600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3600_000).toFixed(1)} h`);
    for (const r of rows) {
      const hb = r.heartbeat;
      process.stdout.write(
        `${r.isSilent ? 'SILENT' : 'ok    '}  ${r.deviceId}  last seen ${r.lastSeenAt === null ? 'never' : `${ago(Date.now() - r.lastSeenAt)} ago`}` +
          `${hb ? `  v${hb.appVersion} backlog ${hb.backlog.pending} disk ${hb.freeDiskMiB ?? '?'} MiB scanner ${hb.devices.scanner} gate ${hb.devices.gate}` : ''}  ${r.venueName} — ${r.place}\n`,
      );
    }
    process.stdout.write(`${rows.length} kiosks, ${rows.filter((r) => r.isSilent).length} silent\n`);
    return undefined;
  });
}
