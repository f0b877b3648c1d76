import { mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildServer } from '../server/http/app.ts';
import { issueToken } from '../server/services/tokens.ts';
import { SqliteStore } from '../server/store/sqlite/sqlite-store.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { seedConsole } from '../test/helpers/deployment.ts';

/**
 * `npm run screenshots:console`: the web console's pages in Debian's Chromium at 1366×900, into
 * docs/screenshots/console-*.png (linked from the README), on the seeded Thừa Thiên Huế of October
 * 2021 the console's tests use. Prints the page weight of the first page.
 */
const out = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'console-shots-'));
const clock = { t: 0 };
const seedStore = new SqliteStore(join(dir, 'server.db'), () => clock.t);
const seed = await seedConsole(seedStore, clock);
await seedStore.close();
const store = new SqliteStore(join(dir, 'server.db'));
const app = buildServer({ store });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const token = async (role: 'health' | 'ict' | 'venue') => (await issueToken(store.tracing, { role, now: Date.now(), ...(role === 'venue' ? { venueId: seed.marketVenueId } : {}) })).token;
const browser = await launchChromium();

const open = async (role: 'health' | 'ict' | 'venue'): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  let bytes = 0;
  page.on('response', (r) => {
    void r.body().then((b) => (bytes += b.length), () => undefined);
  });
  await page.goto(`${url}/console/`);
  await page.waitForSelector('body[data-page="login"]');
  await page.waitForTimeout(300);
  if (role === 'ict') {
    await page.screenshot({ path: join(out, 'console-login.png') });
    process.stdout.write(`docs/screenshots/console-login.png (page weight ${Math.round(bytes / 1024)} KiB)\n`);
  }
  await page.fill('#login-token', await token(role));
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('body:not([data-page="login"])');
  return page;
};
const shot = async (page: Page, name: string, fullPage = false) => {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
};

const ict = await open('ict');
await ict.waitForSelector('#dep-province option[value="46"]', { state: 'attached' });
await ict.fill('#dep-month', '2021-10');
await ict.selectOption('#dep-district', '474');
await ict.click('#deployment-form button[type="submit"]');
await ict.waitForSelector('#dep-chart canvas');
await shot(ict, 'console-deployment');
await ict.locator('#silent').scrollIntoViewIfNeeded();
await shot(ict, 'console-silent');

const health = await open('health');
await health.fill('#trace-id', seed.caseId);
await health.fill('#trace-from', '2021-10-05T00:00');
await health.fill('#trace-to', '2021-10-06T00:00');
await health.click('#trace-form button[type="submit"]');
await health.waitForSelector('#trace-contacts tbody tr');
await shot(health, 'console-trace');

const venue = await open('venue');
await venue.fill('#venue-month', '2021-10');
await venue.click('#venue-form button[type="submit"]');
await venue.waitForSelector('#venue-days tbody tr');
await shot(venue, 'console-venue');

await browser.close();
await app.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
