import { Command, InvalidArgumentError, Option } from 'commander';
import { VENUE_KINDS } from '../../common/wire.ts';

const int = (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

const program = new Command('kiosk')
  .description('Entrance kiosk: QR scan → verdict → gate, durable outbox, upload to the tracing server')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });
program.exitOverride((err) => {
  // Usage errors exit 2 (like a bad config), help and version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 2);
});

program
  .command('run')
  .description('run the kiosk core (scanner, decisions, gate, outbox, uploads)')
  .requiredOption('--config <file>', 'kiosk config file (docs/config.md)')
  .option('--headless', 'no window: plain Node (the only mode without Electron)')
  .option('--events <target>', 'write NDJSON events to "-" (stdout) or a file')
  .addOption(new Option('--drain-ms <ms>', 'after stdin input ends, wait this long for uploads').argParser(int('--drain-ms')).default(10_000))
  .option('--in-process', 'run the core in this process, without a supervisor (debugging only)')
  .addOption(new Option('--ui-port <port>', 'browser mode: serve the guard screen and its bridge on 127.0.0.1:PORT (0 = any free port); a "ui" event gives the URL').argParser(int('--ui-port', 0, 65535)))
  .option('--ui-token <token>', 'browser mode: the bridge token (default: random per run)')
  .action(async (o: { config: string; headless?: boolean; events?: string; drainMs: number; inProcess?: boolean; uiPort?: number; uiToken?: string }) => {
    const { runCommand } = await import('./run.ts');
    await runCommand({
      config: o.config,
      drainMs: o.drainMs,
      ...(o.uiPort === undefined ? {} : { uiPort: o.uiPort }),
      ...(o.uiToken ? { uiToken: o.uiToken } : {}),
      ...(o.headless ? { headless: true } : {}),
      ...(o.events ? { events: o.events } : {}),
      ...(o.inProcess ? { isInProcess: true } : {}),
    });
  });

program
  .command('core', { hidden: true })
  .description('the core process started by `kiosk run` (not for direct use)')
  .requiredOption('--config <file>', 'kiosk config file')
  .addOption(new Option('--drain-ms <ms>', 'after stdin input ends, wait this long for uploads').argParser(int('--drain-ms')).default(10_000))
  .action(async (o: { config: string; drainMs: number }) => {
    const { coreCommand } = await import('./core.ts');
    await coreCommand(o.config, o.drainMs);
  });

program
  .command('demo')
  .description('run everything on this machine: server, venue, enrollment, fake scanner and gate, uploads')
  .addOption(new Option('--duration <s>', 'seconds of scanning').argParser(int('--duration', 1, 3600)).default(10))
  .addOption(new Option('--interval-ms <ms>', 'time between scans').argParser(int('--interval-ms', 1, 60_000)).default(150))
  .option('--json', 'end with one JSON summary line')
  .option('--keep', 'keep the temporary directory')
  .action(async (o: { duration: number; intervalMs: number; json?: boolean; keep?: boolean }) => {
    const { demoCommand } = await import('./demo.ts');
    await demoCommand({ durationS: o.duration, intervalMs: o.intervalMs, json: o.json === true, keep: o.keep === true });
  });

program
  .command('provision')
  .description('enroll this kiosk with a one-time code (or by scanning the enrollment QR) and write its key and config')
  .option('--server <url>', 'tracing server base URL')
  .option('--code <code>', 'one-time enrollment code')
  .option('--scan', "read the enrollment QR (KIOSK-ENROLL:…) from the config's scanner instead of --server/--code")
  .addOption(new Option('--timeout <s>', 'with --scan: give up after this many seconds').argParser(int('--timeout', 1, 3600)).default(300))
  .requiredOption('--config <file>', 'config file to create or update')
  .option('--name <name>', 'a name for this device (e.g. "Cổng chính")')
  .option('--force', 're-provision although entries of the old identity are not uploaded (they are lost: the command says how many)')
  .option('--json', 'print the result as JSON')
  .action(async (o: { server?: string; code?: string; scan?: boolean; timeout: number; config: string; name?: string; force?: boolean; json?: boolean }) => {
    const { provisionCommand } = await import('./provision.ts');
    await provisionCommand(o);
  });

program
  .command('decommission')
  .description("retire this kiosk: upload what is pending, revoke its identity at the server, wipe its key and records")
  .requiredOption('--config <file>', 'kiosk config file')
  .option('--force', 'wipe even though entries are not uploaded or the server is unreachable (the command says what is lost)')
  .addOption(new Option('--timeout <s>', 'how long to try uploading pending entries').argParser(int('--timeout', 1, 3600)).default(60))
  .option('--json', 'print the result as JSON')
  .action(async (o: { config: string; force?: boolean; timeout: number; json?: boolean }) => {
    const { decommissionCommand } = await import('./decommission.ts');
    await decommissionCommand(o);
  });

program
  .command('export')
  .description("the venue's own records on this kiosk, for a period, as CSV or JSON")
  .requiredOption('--config <file>', 'kiosk config file')
  .requiredOption('--from <iso>', 'start (inclusive), e.g. 2021-09-01 or 2021-09-01T07:00:00+07:00')
  .requiredOption('--to <iso>', 'end (exclusive)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
  .option('--out <file>', 'write to this file instead of standard output')
  .action(async (o: { config: string; from: string; to: string; format: 'csv' | 'json'; out?: string }) => {
    const { exportCommand } = await import('./export.ts');
    await exportCommand(o);
  });

program
  .command('devices')
  .description('list USB HID and serial devices; known scanners (with their mode), relays and lamps are marked')
  .option('--json', 'print a JSON array of devices')
  .option('--all', 'include non-USB serial ports')
  .action(async (o: { json?: boolean; all?: boolean }) => {
    const { devicesCommand } = await import('./devices.ts');
    await devicesCommand(o);
  });

program
  .command('doctor')
  .description('check devices, clock, server, storage and lists: a pass/warn/fail table, non-zero exit on fail')
  .requiredOption('--config <file>', 'kiosk config file')
  .option('--gate', 'click each gate and lamp output and read it back (the kiosk must be stopped)')
  .option('--json', 'print {"ok","checks":[{"check","status","detail","hint"}]}')
  .action(async (o: { config: string; gate?: boolean; json?: boolean }) => {
    const { doctorCommand } = await import('./doctor.ts');
    await doctorCommand(o);
  });

program
  .command('decode-frames <dir>')
  .description('run the camera decoder over the PGM frames of DIR (or DIR/frames.json): one JSON line per frame {"file","text","ms"}')
  .option('--sequence', 'the frames, in name (or list) order, are one camera stream: the decoder spreads its passes over them')
  .option('--budget-ms <ms>', "time per frame: the camera's 10 by default; 0 for every pass on every frame")
  .action(async (dir: string, opts: { sequence?: boolean; budgetMs?: string }) => {
    const { decodeFramesCommand } = await import('./decode-frames.ts');
    await decodeFramesCommand(dir, { isSequence: opts.sequence === true, ...(opts.budgetMs === undefined ? {} : { budgetMs: opts.budgetMs }) });
  });

program
  .command('verify')
  .description('check one QR payload offline (standard input, or the QR in a PNG): format, EU DCC stages, verdict')
  .option('--json', 'print {"format","text","stages","payload","verdict","reasons"}')
  .option('--trust <file>', 'EU DCC trust list: JSON array of {kid, country, rawData}')
  .option('--at <iso-8601>', 'verify as of this time instead of now')
  .option('--image <png>', 'read the QR code from a PNG instead of standard input')
  .action(async (o: { json?: boolean; trust?: string; at?: string; image?: string }) => {
    const { verifyCommand } = await import('./verify.ts');
    await verifyCommand(o);
  });

const config = program.command('config').description('configuration tools');
config
  .command('check <file>')
  .description('validate a config file; names every wrong field')
  .option('--json', 'print the result as JSON')
  .action(async (file: string, o: { json?: boolean }) => {
    const { configCheck } = await import('./config.ts');
    configCheck(file, o);
  });

const DB_HELP = 'SQLite database file, or a postgres://user:password@host/db URL (default: env KIOSK_SERVER_DB)';
const server = program.command('server').description('the reference tracing server');
server
  .command('start')
  .description('serve the API of docs/api.md')
  .addOption(new Option('--port <port>', 'TCP port (0 = any free port)').argParser(int('--port', 0, 65535)).default(8080))
  .option('--db <file|url>', DB_HELP)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--admin-token <token>', 'enables the admin endpoints (or env KIOSK_ADMIN_TOKEN)')
  .addOption(new Option('--workers <n>', 'API processes on this port (stateless: every shared fact is in the database)').argParser(int('--workers', 1, 64)).default(1))
  .addOption(new Option('--retention-days <d>', 'entries older than this are removed (whole day partitions on PostgreSQL)').argParser(int('--retention-days', 1, 3650)).default(21))
  .addOption(new Option('--db-pool <n>', 'PostgreSQL connections per worker').argParser(int('--db-pool', 1, 1000)).default(10))
  .addOption(new Option('--max-inflight-uploads <n>', 'uploads one worker works on at once; more are answered 503 server-busy with Retry-After').argParser(int('--max-inflight-uploads', 1, 100_000)).default(64))
  .action(async (o: { port: number; db?: string; host: string; adminToken?: string; workers: number; retentionDays: number; dbPool: number; maxInflightUploads: number }) => {
    const { dbOf, serverStart } = await import('./server.ts');
    const adminToken = o.adminToken ?? process.env.KIOSK_ADMIN_TOKEN;
    await serverStart({ port: o.port, db: dbOf(o), host: o.host, workers: o.workers, retentionDays: o.retentionDays, poolSize: o.dbPool, maxInflightUploads: o.maxInflightUploads, ...(adminToken ? { adminToken } : {}) });
  });

const venue = server.command('venue').description('venues and enrollment codes');
venue
  .command('add')
  .description('create a venue and its first one-time enrollment code')
  .requiredOption('--name <name>', 'venue name')
  .addOption(new Option('--kind <kind>', 'venue kind').choices(VENUE_KINDS).makeOptionMandatory())
  .option('--db <file|url>', DB_HELP)
  .addOption(new Option('--code-ttl-hours <h>', 'enrollment code validity').argParser(int('--code-ttl-hours', 1, 24 * 30)).default(24))
  .option('--url <url>', 'the server URL kiosks will use: adds "enrollmentQr" (KIOSK-ENROLL:…) to the output')
  .option('--qr <file.png>', 'with --url: also write the enrollment QR as a PNG to print')
  .option('--commune <code>', 'the commune (xã/phường/thị trấn) by its code in the 2021 register; district and province follow')
  .option('--district <code>', 'with --commune: the district it must belong to (a check)')
  .option('--province <code>', 'with --commune: the province it must belong to (a check)')
  .option('--json', 'print {"venueId","enrollmentCode","expiresAt"}')
  .action(async (o: { name: string; kind: string; db?: string; json?: boolean; codeTtlHours: number; url?: string; qr?: string; commune?: string; district?: string; province?: string }) => {
    const { venueAdd } = await import('./server.ts');
    await venueAdd(o);
  });
venue
  .command('place')
  .description('give an existing venue its commune (venues without one are reported as "chưa có địa bàn")')
  .requiredOption('--venue <id>', 'venue id')
  .requiredOption('--commune <code>', 'commune code in the 2021 register')
  .option('--db <file|url>', DB_HELP)
  .option('--json', 'print JSON')
  .action(async (o: { venue: string; commune: string; db?: string; json?: boolean }) => {
    const { venuePlace } = await import('./server.ts');
    await venuePlace(o);
  });
venue
  .command('list')
  .description('venues with their commune, district and province ("chưa có địa bàn" when none)')
  .option('--db <file|url>', DB_HELP)
  .option('--province <code>', 'only this province')
  .option('--json', 'print a JSON array')
  .action(async (o: { db?: string; province?: string; json?: boolean }) => {
    const { venueList } = await import('./server.ts');
    await venueList(o);
  });
venue
  .command('code')
  .description('issue another one-time enrollment code for a venue')
  .requiredOption('--venue <id>', 'venue id')
  .option('--db <file|url>', DB_HELP)
  .addOption(new Option('--code-ttl-hours <h>', 'enrollment code validity').argParser(int('--code-ttl-hours', 1, 24 * 30)).default(24))
  .option('--url <url>', 'the server URL kiosks will use: adds "enrollmentQr" (KIOSK-ENROLL:…) to the output')
  .option('--qr <file.png>', 'with --url: also write the enrollment QR as a PNG to print')
  .option('--json', 'print JSON')
  .action(async (o: { venue: string; db?: string; json?: boolean; codeTtlHours: number; url?: string; qr?: string }) => {
    const { venueCode } = await import('./server.ts');
    await venueCode(o);
  });

server
  .command('entries')
  .description('list received entries')
  .option('--db <file|url>', DB_HELP)
  .option('--venue <id>', 'only this venue')
  .option('--device <id>', 'only this device')
  .option('--json', 'print a JSON array of entries')
  .option('--count', 'print only how many entries the server holds ({"count":N} with --json)')
  .option('--unseal-key <file>', "health authority's X25519 private key: show sealed subjects")
  .action(async (o: { db?: string; json?: boolean; count?: boolean; venue?: string; device?: string; unsealKey?: string }) => {
    const { listEntries } = await import('./server.ts');
    await listEntries(o);
  });

server
  .command('report')
  .argument('[kind]', '"deployment": the monthly deployment report of a province (--province, --month); without it: one venue\'s report (--venue)')
  .description("a venue's monthly (or daily) entry/exit report, Vietnam days; or `report deployment`, a province's monthly deployment report")
  .option('--db <file|url>', DB_HELP)
  .option('--venue <id>', 'venue id (venue report)')
  .option('--month <YYYY-MM>', 'monthly report with a daily breakdown')
  .option('--date <YYYY-MM-DD>', 'daily report (venue report)')
  .option('--province <code>', 'deployment: province code (e.g. 46, Thừa Thiên Huế)')
  .option('--district <code>', 'deployment: only this district')
  .option('--json', 'print the report as JSON')
  .option('--csv', 'deployment: one row per commune, UTF-8 with BOM, Vietnamese headers')
  .action(async (kind: string | undefined, o: { db?: string; venue?: string; month?: string; date?: string; province?: string; district?: string; json?: boolean; csv?: boolean }) => {
    if (kind === 'deployment') {
      const { deploymentReportCommand } = await import('./server.ts');
      await deploymentReportCommand(o);
      return;
    }
    const { report } = await import('./server.ts');
    await report({ ...o, ...(kind === undefined ? {} : { kind }) });
  });

server
  .command('fleet')
  .description('kiosks with their last heartbeat and upload, the silent ones first')
  .option('--db <file|url>', DB_HELP)
  .option('--province <code>', 'only this province')
  .option('--silent-hours <h>', 'silent after this many hours without a heartbeat or upload', '24')
  .option('--json', 'print a JSON array')
  .action(async (o: { db?: string; province?: string; silentHours: string; json?: boolean }) => {
    const { fleetCommand } = await import('./server.ts');
    await fleetCommand(o);
  });

server
  .command('seed')
  .description('add realistic test people with declaration statuses; with --entries, venues, kiosks and entries too')
  .option('--db <file|url>', DB_HELP)
  .addOption(new Option('--count <n>', 'people (with --entries: one per 30 entries unless given)').argParser(int('--count', 1, 10_000_000)).default(1000))
  .addOption(new Option('--seed <n>', 'random seed').argParser(int('--seed')).default(2021))
  .option('--entries <n>', 'also venues across the provinces, their kiosks and N entries (COPY on PostgreSQL)')
  .option('--from <date>', 'with --entries: first day, YYYY-MM-DD in Vietnam time (default: 21 days before today)')
  .option('--days <n>', 'with --entries: number of days (default 14)')
  .option('--json', 'print JSON (with --entries: one object on the last line)')
  .action(async (o: { db?: string; count: number; seed: number; json?: boolean; entries?: string; from?: string; days?: string }, cmd: Command) => {
    const { seed } = await import('./server.ts');
    await seed({ ...o, isCountGiven: cmd.getOptionValueSource('count') !== 'default' });
  });

const token = server.command('token').description('role tokens for the API: health, ict, venue, operator');
token
  .command('add')
  .description('make a role token: printed once, only its SHA-256 is stored')
  .requiredOption('--role <role>', 'health (trace, exposure, entries), ict (deployment, fleet), venue (its own venue), operator (venues, devices, trust list)')
  .option('--venue <id>', 'for role venue: the one venue it may see')
  .option('--label <text>', 'who holds it (shown by token list)')
  .option('--db <file|url>', DB_HELP)
  .option('--json', 'print {"id","role","venueId","createdAt","token"}')
  .action(async (o: { role: string; venue?: string; label?: string; db?: string; json?: boolean }) => {
    const { tokenAdd } = await import('./tokens.ts');
    await tokenAdd(o);
  });
token
  .command('list')
  .description('list role tokens (ids, roles, venues, revocation; never the tokens)')
  .option('--db <file|url>', DB_HELP)
  .option('--json', 'print a JSON array')
  .action(async (o: { db?: string; json?: boolean }) => {
    const { tokenList } = await import('./tokens.ts');
    await tokenList(o);
  });
token
  .command('revoke <id>')
  .description('revoke a token: from now on it answers 401')
  .option('--db <file|url>', DB_HELP)
  .option('--json', 'print {"id","revokedAt"}')
  .action(async (id: string, o: { db?: string; json?: boolean }) => {
    const { tokenRevoke } = await import('./tokens.ts');
    await tokenRevoke({ ...o, id });
  });

server
  .command('audit')
  .description('the append-only audit of traces, exposure queries and exports')
  .option('--db <file|url>', DB_HELP)
  .addOption(new Option('--after <seq>', 'records after this one').argParser(int('--after', 0)))
  .addOption(new Option('--limit <n>', 'at most this many records').argParser(int('--limit', 1, 100_000)))
  .option('--json', 'print a JSON array')
  .action(async (o: { db?: string; json?: boolean; after?: number; limit?: number }) => {
    const { auditList } = await import('./tokens.ts');
    await auditList(o);
  });

server
  .command('trace')
  .description('contacts of a case: its visits in the window and everyone whose presence overlapped one (F1; F2 with --depth 2)')
  .option('--db <file|url>', DB_HELP)
  .requiredOption('--subject <type:id>', 'the case, e.g. cccd:079303001234 (also cmnd, qid, passport, bhyt)')
  .requiredOption('--from <iso>', 'window start (2021-09-01 is that day 00:00 in Vietnam)')
  .requiredOption('--to <iso>', 'window end')
  .option('--margin-min <m>', 'widen each visit by this many minutes (default 30)')
  .option('--depth <1|2>', '2: contacts of contacts too (F2)')
  .option('--dwell <kind=min,...>', 'stay assumed without an exit scan, per venue kind (defaults in docs/tracing.md)')
  .addOption(new Option('--retention-days <d>', 'the longest window allowed').argParser(int('--retention-days', 1, 3650)).default(21))
  .option('--json', 'one JSON object with visits and contacts')
  .option('--csv', 'one row per contact, UTF-8 with BOM, Vietnamese headers')
  .action(async (o: { db?: string; subject: string; from: string; to: string; marginMin?: string; depth?: string; dwell?: string; retentionDays: number; json?: boolean; csv?: boolean }) => {
    const { traceCommand } = await import('./tracing.ts');
    await traceCommand(o);
  });

server
  .command('exposure')
  .description('outbreak venues: where the cases went, ranked by people exposed, with first and last case visit')
  .option('--db <file|url>', DB_HELP)
  .requiredOption('--cases <file>', 'one case per line as TYPE:ID (# comments and blank lines skipped; up to 100,000)')
  .requiredOption('--from <iso>', 'window start')
  .requiredOption('--to <iso>', 'window end')
  .option('--margin-min <m>', 'widen each case visit by this many minutes (default 30)')
  .option('--dwell <kind=min,...>', 'stay assumed without an exit scan, per venue kind')
  .addOption(new Option('--retention-days <d>', 'the longest window allowed').argParser(int('--retention-days', 1, 3650)).default(21))
  .option('--json', 'one JSON object with venues')
  .option('--csv', 'one row per venue, UTF-8 with BOM, Vietnamese headers')
  .action(async (o: { db?: string; cases: string; from: string; to: string; marginMin?: string; dwell?: string; retentionDays: number; json?: boolean; csv?: boolean }) => {
    const { exposureCommand } = await import('./tracing.ts');
    await exposureCommand(o);
  });

const identities = server.command('identities').description('the person registry: identifiers of one person (QID, CCCD, old CMND)');
identities
  .command('import <file>')
  .description('link identifiers: one person per line, e.g. "qid:QR0001123456 cccd:079303001234 cmnd:025123456"')
  .option('--db <file|url>', DB_HELP)
  .option('--json', 'print {"people","links"}')
  .action(async (file: string, o: { db?: string; json?: boolean }) => {
    const { identitiesImport } = await import('./tracing.ts');
    await identitiesImport({ ...o, file });
  });

server
  .command('loadtest')
  .description('simulated kiosks enroll through the API and upload signed, gzipped batches; then what the server holds is checked against what was sent')
  .requiredOption('--url <url>', 'server base URL')
  .option('--admin-token <token>', 'the server\'s admin token (or env KIOSK_ADMIN_TOKEN)')
  .addOption(new Option('--kiosks <n>', 'simulated kiosks, all starting at once').argParser(int('--kiosks', 1, 100_000)).default(100))
  .addOption(new Option('--duration <s>', 'seconds of uploading').argParser(int('--duration', 1, 86_400)).default(30))
  .addOption(new Option('--batch <n>', 'entries per batch').argParser(int('--batch', 1, 50_000)).default(20))
  .addOption(new Option('--interval-ms <ms>', "mean pause between one kiosk's uploads").argParser(int('--interval-ms', 0, 3_600_000)).default(1000))
  .addOption(new Option('--drain <s>', 'after the end, seconds to keep retrying unacknowledged batches').argParser(int('--drain', 0, 3600)).default(60))
  .option('--json', 'the last line of stdout is one JSON summary')
  .action(async (o: { url: string; adminToken?: string; kiosks: number; duration: number; batch: number; intervalMs: number; drain: number; json?: boolean }) => {
    const { loadtestCommand } = await import('./loadtest.ts');
    const { fail } = await import('./output.ts');
    const { KioskError } = await import('../../common/errors.ts');
    const adminToken = o.adminToken ?? process.env.KIOSK_ADMIN_TOKEN;
    if (!adminToken) return fail(new KioskError('config-missing', 'give --admin-token (the token the server was started with) or set KIOSK_ADMIN_TOKEN'));
    try {
      await loadtestCommand({ url: o.url, adminToken, kiosks: o.kiosks, durationS: o.duration, batch: o.batch, intervalMs: o.intervalMs, drainS: o.drain, ...(o.json ? { json: true } : {}) });
    } catch (err) {
      fail(err);
    }
  });

const trust = server.command('trust').description('the EU DCC trust list kiosks sync');
trust
  .command('import <file>')
  .description('publish exactly the certificates in FILE (EU gateway shape: JSON array of {kid, country, rawData}) as a new list version')
  .option('--db <file|url>', DB_HELP)
  .option('--value-sets <file>', 'value sets JSON ({"vaccines-covid-19-names": {code: name}, ...}); default: the bundled ones')
  .option('--json', 'print {"version","added","removed","unchanged"}')
  .action(async (file: string, o: { db?: string; valueSets?: string; json?: boolean }) => {
    const { trustImport } = await import('./server.ts');
    await trustImport({ file, ...o });
  });

const authority = program.command('authority').description("the health authority's tools for sealed subjects (docs/tracing.md)");
authority
  .command('day-keys')
  .description('derive the blind-index day keys kiosks need (privacy.blindIndexKeysFile); the private key stays here')
  .requiredOption('--key <file>', 'the private key made by kiosk keys authority')
  .requiredOption('--from <YYYY-MM-DD>', 'first day (Vietnam days)')
  .addOption(new Option('--days <n>', 'how many days').argParser(int('--days', 1, 366)).default(31))
  .requiredOption('--out <file>', 'day-keys file to write (mode 600) and copy to the kiosks')
  .action(async (o: { key: string; from: string; days: number; out: string }) => {
    const { dayKeysCommand } = await import('./authority.ts');
    dayKeysCommand(o);
  });
authority
  .command('trace')
  .description('contacts of a case among sealed subjects: queries by blind index, opens the contacts with the private key')
  .requiredOption('--key <file>', 'the private key made by kiosk keys authority')
  .option('--server <url>', 'the tracing server (with --token)')
  .option('--token <token>', 'a health token')
  .option('--db <file|url>', "read the operator's database directly instead of --server")
  .requiredOption('--subject <type:id>', 'the case, e.g. cccd:079303001234')
  .requiredOption('--from <iso>', 'window start')
  .requiredOption('--to <iso>', 'window end')
  .option('--margin-min <m>', 'widen each visit by this many minutes (default 30)')
  .option('--depth <1|2>', '2: contacts of contacts too (F2)')
  .addOption(new Option('--retention-days <d>', 'the longest window allowed').argParser(int('--retention-days', 1, 3650)).default(21))
  .option('--json', 'one JSON object with visits and contacts')
  .option('--csv', 'one row per contact, UTF-8 with BOM, Vietnamese headers')
  .action(async (o: { key: string; server?: string; token?: string; db?: string; subject: string; from: string; to: string; marginMin?: string; depth?: string; retentionDays: number; json?: boolean; csv?: boolean }) => {
    const { authorityTraceCommand } = await import('./authority.ts');
    await authorityTraceCommand(o);
  });

const keys = program.command('keys').description('key material');
keys
  .command('authority')
  .description("make the health authority's X25519 key pair for privacy.sealSubjectTo")
  .requiredOption('--out <file>', 'private key file to write (mode 600); keep it off the kiosks')
  .action(async (o: { out: string }) => {
    const { authorityKeys } = await import('./keys.ts');
    authorityKeys(o.out);
  });

keys
  .command('pin')
  .description('hash a technician PIN (4-12 digits, read from standard input) for ui.technicianPinHash')
  .action(async () => {
    const { pinHashCommand } = await import('./keys.ts');
    await pinHashCommand();
  });

await program.parseAsync(process.argv);
