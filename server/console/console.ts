import uPlot from 'uplot';
// zod's mini build: the same checks at a tenth of the page weight (the full build is 450 KB minified).
import * as z from 'zod/mini';
import { isStringKey, t, type Lang, type StringKey } from './i18n.ts';

/**
 * The web console (issue 14): one page, three audiences. Every figure comes from the same /v1 API
 * as the command line, with the session cookie the server set at login (HttpOnly: this code never
 * sees a token after the login form) and the console header that same-site checks look for. All
 * text goes in with textContent: names from venues and kiosks are data, never markup.
 */

// --- API answers, checked at the boundary -----------------------------------------------------

const sessionSchema = z.object({ role: z.enum(['health', 'ict', 'venue', 'operator']), actor: z.string(), venueId: z.nullable(z.string()), expiresAt: z.number(), actions: z.array(z.string()) });
type Session = z.infer<typeof sessionSchema>;
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const unitsSchema = z.object({ units: z.array(z.object({ code: z.string(), name: z.string() })) });
const figures = {
  venues: z.number(),
  venuesUploaded: z.number(),
  kiosks: z.number(),
  silentKiosks: z.number(),
  entries: z.number(),
  entriesPerDay: z.array(z.number()),
  oldestBacklogMs: z.nullable(z.number()),
};
const deploymentSchema = z.object({
  province: z.object({ code: z.string(), name: z.string() }),
  district: z.nullable(z.object({ code: z.string(), name: z.string() })),
  month: z.string(),
  days: z.array(z.string()),
  communes: z.array(z.object({ districtName: z.string(), communeCode: z.string(), communeName: z.string(), ...figures })),
  districts: z.array(z.object({ districtCode: z.string(), districtName: z.string(), communes: z.number(), communesWithoutVenue: z.number(), ...figures })),
  totals: z.object({ communes: z.number(), communesWithoutVenue: z.number(), shareWithoutVenue: z.number(), ...figures }),
  unlocatedVenues: z.number(),
});
const fleetSchema = z.object({
  kiosks: z.array(z.object({ deviceId: z.string(), name: z.nullable(z.string()), venueName: z.string(), place: z.string(), lastSeenAt: z.nullable(z.number()), silentForMs: z.number(), isSilent: z.boolean() })),
});
const traceSchema = z.object({
  visits: z.array(z.looseObject({ venueId: z.string(), venueName: z.string(), from: z.string(), to: z.string() })),
  contacts: z.array(z.looseObject({ subject: z.nullable(z.object({ type: z.string(), id: z.string() })), venueId: z.string(), venueName: z.string(), at: z.string(), overlapMs: z.number(), degree: z.string() })),
});
const exposureSchema = z.object({
  venues: z.array(z.looseObject({ venueId: z.string(), venueName: z.string(), exposed: z.number(), exposedCases: z.number(), firstCaseVisit: z.string(), lastCaseVisit: z.string() })),
});
const auditSchema = z.object({
  records: z.array(z.looseObject({ seq: z.number(), at: z.number(), actor: z.string(), action: z.string(), fromMs: z.nullable(z.number()), toMs: z.nullable(z.number()), resultCount: z.number() })),
});
const venueReportSchema = z.object({
  venueName: z.string(),
  days: z.array(z.object({ date: z.string(), entries: z.number(), exits: z.number(), allowed: z.number(), denied: z.number(), distinctPeople: z.number() })),
  totals: z.object({ entries: z.number(), exits: z.number(), allowed: z.number(), denied: z.number(), distinctPeople: z.number() }),
});

class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const HEADERS = { 'x-kiosk-console': '1', accept: 'application/json' };

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { ...HEADERS, ...(init.headers ?? {}) } });
  if (res.ok) return res;
  const parsed = z.safeParse(errorSchema, await res.json().catch(() => null));
  throw new ApiError(res.status, parsed.success ? parsed.data.error.code : 'internal', parsed.success ? parsed.data.error.message : `HTTP ${res.status}`);
}

async function api<S extends z.ZodMiniType>(path: string, schema: S, init: RequestInit = {}): Promise<z.output<S>> {
  return z.parse(schema, await (await call(path, init)).json());
}

/** Saves an answer as a file: the browser's own download, from the bytes the API sent. */
async function download(path: string, filename: string): Promise<void> {
  const blob = await (await call(path, { headers: { accept: 'text/csv, application/json' } })).blob();
  saveBlob(blob, filename);
}

function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// --- page state ---------------------------------------------------------------------------

let lang: Lang = localStorage.getItem('console-lang') === 'en' ? 'en' : 'vi';
let session: Session | undefined;
let chart: uPlot | undefined;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const select = (id: string): HTMLSelectElement => $<HTMLSelectElement>(id);

const PAGES = [
  { id: 'trace', action: 'trace', label: 'navTrace' },
  { id: 'deployment', action: 'deployment.report', label: 'navDeployment' },
  { id: 'venue', action: 'venue.report', label: 'navVenue' },
] as const satisfies ReadonlyArray<{ id: string; action: string; label: StringKey }>;
type PageId = (typeof PAGES)[number]['id'] | 'login' | 'refused';

const ROLE_LABELS = { health: 'roleHealth', ict: 'roleIct', venue: 'roleVenue', operator: 'roleOperator' } as const satisfies Record<Session['role'], StringKey>;

function showError(err: unknown): void {
  const box = $('error');
  if (err instanceof ApiError && err.status === 401) {
    session = undefined;
    box.textContent = `${t('sessionExpired', lang)} (${err.message})`;
    box.hidden = false;
    show('login');
    return;
  }
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

function translate(): void {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = e.dataset.i18n ?? '';
    if (isStringKey(key)) e.textContent = t(key, lang);
  }
  $('lang').textContent = t('switchLang', lang);
  document.title = t('title', lang);
  renderNav();
}

function renderNav(): void {
  const nav = $('nav');
  const current = location.hash.replace(/^#\//, '');
  nav.replaceChildren(
    ...PAGES.filter((p) => session?.actions.includes(p.action)).map((p) => {
      const a = document.createElement('a');
      a.href = `#/${p.id}`;
      a.textContent = t(p.label, lang);
      if (current === p.id) a.setAttribute('aria-current', 'page');
      return a;
    }),
  );
  $('who').textContent = session ? `${t(ROLE_LABELS[session.role], lang)}${session.venueId ? ` · ${session.venueId}` : ''}` : '';
  $('logout').hidden = session === undefined;
}

function show(page: PageId): void {
  for (const p of ['login', 'refused', ...PAGES.map((x) => x.id)]) $(`page-${p}`).hidden = p !== page;
  document.body.dataset.page = page;
  renderNav();
}

/** Opens the page the hash names; a page of another role is asked of the server, which refuses it. */
async function route(): Promise<void> {
  clearError();
  if (!session) return show('login');
  const wanted = location.hash.replace(/^#\//, '');
  const page = PAGES.find((p) => p.id === wanted) ?? PAGES.find((p) => session?.actions.includes(p.action));
  if (!page) return show('refused');
  if (location.hash !== `#/${page.id}`) {
    location.hash = `#/${page.id}`;
    return undefined;
  }
  show(page.id);
  try {
    await OPENERS[page.id]();
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      $('refused-detail').textContent = `${t('refusedHint', lang)} ${err.message}`;
      return show('refused');
    }
    showError(err);
  }
  return undefined;
}

// --- formatting ---------------------------------------------------------------------------

const locale = (): string => (lang === 'vi' ? 'vi-VN' : 'en-GB');
const when = (at: number | string | null | undefined): string => (at === null || at === undefined ? '' : new Date(at).toLocaleString(locale(), { timeZone: 'Asia/Ho_Chi_Minh', hour12: false }));
const hours = (ms: number | null): string => (ms === null ? '' : (ms / 3600_000).toFixed(1));

/** A table body from rows of cells; numbers right-aligned. */
function fill(tableId: string, rows: ReadonlyArray<ReadonlyArray<string | number>>, rowClass?: (i: number) => string): void {
  const body = $(tableId).querySelector('tbody');
  if (!body) return;
  body.replaceChildren(
    ...rows.map((cells, i) => {
      const tr = document.createElement('tr');
      const cls = rowClass?.(i);
      if (cls) tr.className = cls;
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = String(c);
        if (typeof c === 'number') td.className = 'num';
        tr.append(td);
      }
      return tr;
    }),
  );
}

/** datetime-local (Vietnam time) → ISO 8601 with the +07:00 offset the API reads. */
const isoOf = (local: string): string => `${local.length === 16 ? `${local}:00` : local}+07:00`;
const lastMonth = (): string => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};

// --- health: trace, exposure, audit -------------------------------------------------------

let lastTraceQuery = '';

async function openTrace(): Promise<void> {
  await loadAudit();
}

async function runTrace(): Promise<void> {
  const q = new URLSearchParams({
    subject: `${select('trace-type').value}:${input('trace-id').value.trim()}`,
    from: isoOf(input('trace-from').value),
    to: isoOf(input('trace-to').value),
    margin: input('trace-margin').value || '30',
    depth: select('trace-depth').value,
  });
  lastTraceQuery = q.toString();
  const r = await api(`/v1/trace?${lastTraceQuery}`, traceSchema);
  $('trace-summary').textContent = t('traceSummary', lang, { visits: r.visits.length, contacts: r.contacts.length });
  fill('trace-visits', r.visits.map((v) => [v.venueName, when(v.from), when(v.to)]));
  fill('trace-contacts', r.contacts.map((c) => [c.degree, c.subject ? `${c.subject.type}:${c.subject.id}` : '—', c.venueName, when(c.at), Math.round(c.overlapMs / 60_000)]));
  $<HTMLButtonElement>('trace-csv').disabled = false;
  await loadAudit();
}

async function runExposure(): Promise<void> {
  const cases = input('exposure-cases')
    .value.split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const r = await api('/v1/exposure', exposureSchema, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cases, from: isoOf(input('exposure-from').value), to: isoOf(input('exposure-to').value) }),
  });
  fill('exposure-venues', r.venues.map((v) => [v.venueName, v.exposed, v.exposedCases, when(v.firstCaseVisit), when(v.lastCaseVisit)]));
  await loadAudit();
}

async function loadAudit(): Promise<void> {
  const r = await api('/v1/audit', auditSchema);
  // The department's own queries: the records of the token it logged in with, newest first.
  const mine = r.records.filter((a) => a.actor === session?.actor).reverse();
  fill('audit', mine.map((a) => [a.seq, when(a.at), a.action, a.fromMs === null ? '' : `${when(a.fromMs)} – ${when(a.toMs)}`, a.resultCount]));
}

// --- ICT: deployment report and silent kiosks ---------------------------------------------

let lastDeploymentQuery = '';

async function openDeployment(): Promise<void> {
  // The fleet first: it is the ICT role's own data, so another role is refused here at once.
  const province = select('dep-province');
  await loadSilent(province.value || undefined);
  if (province.options.length === 0) {
    const units = await api('/v1/admin-units', unitsSchema);
    province.replaceChildren(...units.units.map((u) => option(u.code, `${u.code} · ${u.name}`)));
    province.value = units.units.some((u) => u.code === '46') ? '46' : (units.units[0]?.code ?? '');
    await loadDistricts();
  }
  if (!input('dep-month').value) input('dep-month').value = lastMonth();
}

function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

async function loadDistricts(): Promise<void> {
  const province = select('dep-province').value;
  const units = await api(`/v1/admin-units?province=${encodeURIComponent(province)}`, unitsSchema);
  select('dep-district').replaceChildren(option('', t('allDistricts', lang)), ...units.units.map((u) => option(u.code, `${u.code} · ${u.name}`)));
}

async function runDeployment(): Promise<void> {
  const q = new URLSearchParams({ province: select('dep-province').value, month: input('dep-month').value });
  if (select('dep-district').value) q.set('district', select('dep-district').value);
  lastDeploymentQuery = q.toString();
  const r = await api(`/v1/reports/deployment?${lastDeploymentQuery}`, deploymentSchema);
  const tot = r.totals;
  $('dep-summary').textContent = t('depSummary', lang, {
    place: r.district ? `${r.district.name}, ${r.province.name}` : r.province.name,
    month: r.month,
    venues: tot.venues,
    kiosks: tot.kiosks,
    silent: tot.silentKiosks,
    entries: tot.entries,
    noVenue: tot.communesWithoutVenue,
    communes: tot.communes,
    share: (tot.shareWithoutVenue * 100).toFixed(1),
    unlocated: r.unlocatedVenues,
  });
  fill('dep-districts', r.districts.map((d) => [d.districtName, d.communes, d.communesWithoutVenue, d.venues, d.venuesUploaded, d.kiosks, d.silentKiosks, d.entries]));
  fill(
    'dep-communes',
    r.communes.map((c) => [c.districtName, c.communeName, c.venues, c.venuesUploaded, c.kiosks, c.silentKiosks, hours(c.oldestBacklogMs), c.entries]),
    (i) => (r.communes[i]?.venues === 0 ? 'zero' : ''),
  );
  drawChart(r.days, tot.entriesPerDay);
  $<HTMLButtonElement>('dep-csv').disabled = false;
  await loadSilent(r.province.code);
}

function drawChart(days: readonly string[], perDay: readonly number[]): void {
  chart?.destroy();
  const box = $('dep-chart');
  box.replaceChildren();
  const xs = days.map((d) => Date.parse(`${d}T00:00:00+07:00`) / 1000);
  chart = new uPlot(
    {
      title: t('chartEntries', lang),
      width: Math.max(320, box.clientWidth - 24),
      height: 240,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Ho_Chi_Minh'),
      series: [{}, { label: t('entries', lang), stroke: '#0b5cad', fill: 'rgba(11, 92, 173, 0.12)', width: 2 }],
      axes: [{}, { size: 60 }],
      legend: { show: true },
    },
    [xs, [...perDay]],
    box,
  );
}

async function loadSilent(province: string | undefined): Promise<void> {
  const q = new URLSearchParams({ silentHours: '24' });
  if (province) q.set('province', province);
  const r = await api(`/v1/fleet?${q.toString()}`, fleetSchema);
  const silent = r.kiosks.filter((k) => k.isSilent);
  fill(
    'silent',
    silent.map((k) => [k.name ? `${k.name} (${k.deviceId})` : k.deviceId, k.venueName, k.place, k.lastSeenAt === null ? t('never', lang) : when(k.lastSeenAt), hours(k.silentForMs)]),
    () => 'bad',
  );
}

// --- venue administrators -----------------------------------------------------------------

let lastVenue: { id: string; month: string; name: string; report: z.infer<typeof venueReportSchema> } | undefined;

async function openVenue(): Promise<void> {
  if (session?.venueId) {
    input('venue-id').value = session.venueId;
    input('venue-id').readOnly = true;
  }
  if (!input('venue-month').value) input('venue-month').value = lastMonth();
}

async function runVenue(): Promise<void> {
  const id = input('venue-id').value.trim();
  const month = input('venue-month').value;
  const report = await api(`/v1/venues/${encodeURIComponent(id)}/report?month=${encodeURIComponent(month)}`, venueReportSchema);
  lastVenue = { id, month, name: report.venueName, report };
  $('venue-summary').textContent = t('venueSummary', lang, { name: report.venueName, entries: report.totals.entries, people: report.totals.distinctPeople, month });
  fill('venue-days', [
    ...report.days.map((d) => [d.date, d.entries, d.exits, d.allowed, d.denied, d.distinctPeople]),
    [t('total', lang), report.totals.entries, report.totals.exits, report.totals.allowed, report.totals.denied, report.totals.distinctPeople],
  ]);
  $<HTMLButtonElement>('venue-csv').disabled = false;
  $<HTMLButtonElement>('venue-export').disabled = false;
}

/** The venue's month as the CSV an administrator files (UTF-8 with BOM, Vietnamese headers). */
function venueCsv(): void {
  if (!lastVenue) return;
  const quote = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const rows: Array<Array<string | number>> = [
    ['Ngày', 'Lượt vào', 'Lượt ra', 'Cho vào', 'Từ chối', 'Số người'],
    ...lastVenue.report.days.map((d) => [d.date, d.entries, d.exits, d.allowed, d.denied, d.distinctPeople]),
  ];
  const text = `\uFEFF${rows.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
  saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), `bao-cao-${lastVenue.id}-${lastVenue.month}.csv`);
}

const OPENERS: Record<(typeof PAGES)[number]['id'], () => Promise<void>> = { trace: openTrace, deployment: openDeployment, venue: openVenue };

// --- wiring -------------------------------------------------------------------------------

function onSubmit(formId: string, work: () => Promise<void>): void {
  $(formId).addEventListener('submit', (e) => {
    e.preventDefault();
    clearError();
    work().catch(showError);
  });
}

function onClick(id: string, work: () => Promise<void> | void): void {
  $(id).addEventListener('click', () => {
    clearError();
    Promise.resolve(work()).catch(showError);
  });
}

onSubmit('login-form', async () => {
  const token = input('login-token').value;
  session = await api('/console/session', sessionSchema, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  input('login-token').value = '';
  await route();
});
onSubmit('trace-form', runTrace);
onSubmit('exposure-form', runExposure);
onSubmit('deployment-form', runDeployment);
onSubmit('venue-form', runVenue);
onClick('trace-csv', () => download(`/v1/trace?${lastTraceQuery}&format=csv`, 'truy-vet.csv'));
onClick('audit-load', loadAudit);
onClick('dep-csv', () => {
  const q = new URLSearchParams(lastDeploymentQuery);
  return download(`/v1/reports/deployment?${lastDeploymentQuery}&format=csv`, `bao-cao-trien-khai-${q.get('province') ?? ''}${q.get('district') ? `-${q.get('district') ?? ''}` : ''}-${q.get('month') ?? ''}.csv`);
});
onClick('venue-csv', venueCsv);
onClick('venue-export', () => (lastVenue ? download(`/v1/entries?venueId=${encodeURIComponent(lastVenue.id)}&limit=100000`, `du-lieu-${lastVenue.id}.json`) : undefined));
select('dep-province').addEventListener('change', () => {
  loadDistricts().catch(showError);
});
onClick('logout', async () => {
  await call('/console/session', { method: 'DELETE' });
  session = undefined;
  show('login');
});
onClick('lang', () => {
  lang = lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('console-lang', lang);
  translate();
});
window.addEventListener('hashchange', () => void route());

translate();
api('/console/session', sessionSchema)
  .then(async (s) => {
    session = s;
    await route();
  })
  .catch(() => show('login'));
