import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../server/services/tokens.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { CHROMIUM, NO_CHROMIUM, launchChromium } from '../helpers/browser.ts';
import { seedConsole, type ConsoleSeed } from '../helpers/deployment.ts';
import { startTestServer, tempDirRemovedAtExit, type TestServer } from '../helpers/server.ts';

if (!CHROMIUM) console.log(NO_CHROMIUM);

/** Opens the console, logs in with a token, and collects page errors, dialogs and CSP reports. */
async function logIn(browser: Browser, url: string, token: string): Promise<Page & { problems: string[] }> {
  const page = Object.assign(await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true }), { problems: [] as string[] });
  page.on('pageerror', (e) => page.problems.push(e.message));
  page.on('dialog', (d) => {
    page.problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) page.problems.push(m.text());
  });
  await page.goto(`${url}/console/`);
  await page.waitForSelector('body[data-page="login"]');
  await page.fill('#login-token', token);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('body:not([data-page="login"])');
  return page;
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

describe.skipIf(!CHROMIUM)('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let seed: ConsoleSeed;
  const tokens: Record<'health' | 'ict' | 'venue', string> = { health: '', ict: '', venue: '' };

  beforeAll(async () => {
    const dbPath = join(tempDirRemovedAtExit('kiosk-console-'), 'server.db');
    const clock = { t: 0 };
    const store = new SqliteStore(dbPath, () => clock.t);
    seed = await seedConsole(store, clock);
    await store.close();
    server = await startTestServer({}, dbPath);
    const now = Date.now();
    tokens.health = (await issueToken(server.store.tracing, { role: 'health', now })).token;
    tokens.ict = (await issueToken(server.store.tracing, { role: 'ict', now })).token;
    tokens.venue = (await issueToken(server.store.tracing, { role: 'venue', venueId: seed.marketVenueId, now })).token;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('logs in with a role token into an HttpOnly, SameSite=Strict session; the page has a CSP and no inline script', async () => {
    const res = await fetch(`${server.url}/console/`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son\w+=/);
    const page = await logIn(browser, server.url, tokens.ict);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'kiosk_console', httpOnly: true, sameSite: 'Strict', secure: false });
    expect(cookie?.value).not.toContain(tokens.ict.slice(4));
    expect(await page.textContent('#who')).toBe('Sở Thông tin và Truyền thông');
    await page.click('#lang');
    expect(await page.textContent('#who')).toBe('ICT department');
    await page.click('#lang');
    expect(page.problems, page.problems.join('\n')).toEqual([]);
    await page.close();
  }, 60_000);

  it("opens a province's deployment report with a chart, downloads its CSV, and lists silent kiosks with hostile names as text", async () => {
    const page = await logIn(browser, server.url, tokens.ict);
    await page.waitForSelector('body[data-page="deployment"]');
    await page.waitForSelector('#dep-province option[value="46"]', { state: 'attached' });
    expect(await page.inputValue('#dep-province')).toBe('46');
    await page.fill('#dep-month', '2021-10');
    await page.click('#deployment-form button[type="submit"]');
    await page.waitForSelector('#dep-communes tbody tr');
    expect(await page.locator('#dep-communes tbody tr').count()).toBe(145);
    const row = await page.locator('#dep-communes tbody tr', { hasText: 'Phường Phú Thuận' }).allInnerTexts();
    expect(row[0]?.split('\t')).toEqual(['Thành phố Huế', 'Phường Phú Thuận', '2', '1', '2', '1', '', '7']);
    expect(await page.textContent('#dep-summary')).toMatch(/Tỉnh Thừa Thiên Huế, tháng 2021-10: 5 địa điểm/);
    await page.waitForSelector('#dep-chart canvas');
    const csv = await downloaded(page, () => page.click('#dep-csv'));
    expect(csv.name).toBe('bao-cao-trien-khai-46-2021-10.csv');
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.bytes.toString('utf8').trim().split('\n')).toHaveLength(1 + 145 + 1);
    // Silent kiosks (none of the seeded ones has spoken for years): a hostile venue name is text.
    const silent = await page.locator('#silent tbody').innerText();
    expect(silent).toContain('<img src=x onerror=alert(1)>');
    expect(silent).toContain('Bệnh viện Trung ương Huế');
    expect(await page.locator('#silent img, #dep-communes img').count()).toBe(0);
    expect(page.problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('traces a seeded case, downloads the CSV, shows its own audit, and is refused the ICT page', async () => {
    const page = await logIn(browser, server.url, tokens.health);
    await page.waitForSelector('body[data-page="trace"]');
    await page.selectOption('#trace-type', 'cccd');
    await page.fill('#trace-id', seed.caseId);
    await page.fill('#trace-from', '2021-10-05T00:00');
    await page.fill('#trace-to', '2021-10-06T00:00');
    await page.click('#trace-form button[type="submit"]');
    await page.waitForSelector('#trace-contacts tbody tr');
    const contacts = await page.locator('#trace-contacts tbody').innerText();
    expect(contacts).toContain(`cccd:${seed.contactId}`);
    expect(contacts).not.toContain(seed.strangerId);
    expect(contacts).not.toContain(seed.caseId);
    expect(await page.locator('#trace-visits tbody').innerText()).toContain('Chợ Đông Ba');
    const csv = await downloaded(page, () => page.click('#trace-csv'));
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.bytes.toString('utf8')).toContain(seed.contactId);
    await page.waitForSelector('#audit tbody tr');
    expect(await page.locator('#audit tbody').innerText()).toMatch(/trace/);
    // Another role's page: the console asks the server, which refuses the health role.
    await page.goto(`${server.url}/console/#/deployment`);
    await page.waitForSelector('body[data-page="refused"]');
    expect(await page.textContent('#refused-detail')).toMatch(/role health may not fleet\.read/);
    expect(await page.locator('#nav a').allTextContents()).toEqual(['Truy vết', 'Báo cáo địa điểm']);
    expect(page.problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("shows a venue administrator its venue's month and exports it, and nothing of another venue", async () => {
    const page = await logIn(browser, server.url, tokens.venue);
    await page.waitForSelector('body[data-page="venue"]');
    expect(await page.inputValue('#venue-id')).toBe(seed.marketVenueId);
    await page.fill('#venue-month', '2021-10');
    await page.click('#venue-form button[type="submit"]');
    await page.waitForSelector('#venue-days tbody tr');
    expect(await page.textContent('#venue-summary')).toMatch(/^Chợ Đông Ba: 7 lượt vào/);
    const csv = await downloaded(page, () => page.click('#venue-csv'));
    expect(csv.bytes.toString('utf8')).toMatch(/^\uFEFFNgày,Lượt vào,Lượt ra/);
    const exported = await downloaded(page, () => page.click('#venue-export'));
    expect((JSON.parse(exported.bytes.toString('utf8')) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
    // Another venue through the same API, with this session: refused.
    const other = await page.evaluate(async (id) => (await fetch(`/v1/venues/${id}/report?month=2021-10`, { headers: { 'x-kiosk-console': '1' } })).status, seed.otherVenueId);
    expect(other).toBe(403);
    expect(page.problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('refuses cross-site requests, requests without the console header, forged and expired sessions', async () => {
    const page = await logIn(browser, server.url, tokens.ict);
    const cookie = `kiosk_console=${(await page.context().cookies())[0]?.value ?? ''}`;
    const get = (headers: Record<string, string>) => fetch(`${server.url}/v1/fleet`, { headers: { cookie, ...headers } });
    expect((await get({ 'x-kiosk-console': '1' })).status).toBe(200);
    const crossSite = await get({ 'x-kiosk-console': '1', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: { code: 'forbidden', message: 'cross-site request refused' } });
    expect((await get({})).status).toBe(403);
    const forged = await fetch(`${server.url}/v1/fleet`, { headers: { cookie: `${cookie.slice(0, -3)}abc`, 'x-kiosk-console': '1' } });
    expect(forged.status).toBe(401);
    const login = await fetch(`${server.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ token: tokens.ict }) });
    expect(login.status).toBe(403);
    const wrong = await fetch(`${server.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'kst_nope' }) });
    expect(wrong.status).toBe(401);
    await page.close();

    // A server whose sessions last 3 s: the session ends, the console says so and asks for the token again.
    const short = await startTestServer({ consoleSessionMs: 3000 }, server.dbPath);
    try {
      const p2 = await logIn(browser, short.url, tokens.ict);
      await p2.waitForSelector('#dep-province option[value="46"]', { state: 'attached' });
      await new Promise((r) => setTimeout(r, 3200));
      await p2.click('#deployment-form button[type="submit"]');
      await p2.waitForSelector('body[data-page="login"]');
      expect(await p2.textContent('#error')).toMatch(/^Phiên đăng nhập đã hết hạn hoặc không hợp lệ: vui lòng đăng nhập lại/);
      await p2.close();
    } finally {
      await short.close();
    }
  }, 90_000);
});
