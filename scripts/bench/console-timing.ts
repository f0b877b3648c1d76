import type { Page } from 'playwright-core';
import { buildServer } from '../../server/http/app.ts';
import type { Role } from '../../server/http/roles.ts';
import { issueToken } from '../../server/services/tokens.ts';
import type { ServerStore } from '../../server/store/store.ts';
import { CHROMIUM, launchChromium } from '../../test/helpers/browser.ts';

export interface ConsoleTiming {
  /** From opening the console's address to the answer an official came for being on the page. */
  firstPageUsableMs: number;
  /** Every response body the page received (console files and API answers), KiB. */
  pageWeightKiB: number;
}

/**
 * The console as an official meets it, in Debian's Chromium against a server on `store`: open the
 * address, log in with a fresh token of `role`, then `drive` fills the page's form and waits for its
 * answer. The console bundle is built once before the clock starts (a server builds it on its
 * first console request, not on each official's). Undefined when Chromium is missing.
 */
export async function timeConsoleFirstPage(store: ServerStore, role: Role, drive: (page: Page) => Promise<void>): Promise<ConsoleTiming | undefined> {
  if (!CHROMIUM) return undefined;
  const app = buildServer({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const token = (await issueToken(store.tracing, { role, now: Date.now() })).token;
  const browser = await launchChromium();
  try {
    await (await fetch(`${url}/console/console.js`)).arrayBuffer();
    const page = await browser.newPage();
    let weight = 0;
    page.on('response', (r) => {
      void r.body().then((b) => (weight += b.length), () => undefined);
    });
    const t = performance.now();
    await page.goto(`${url}/console/`);
    await page.waitForSelector('body[data-page="login"]');
    await page.fill('#login-token', token);
    await page.click('#login-form button[type="submit"]');
    await drive(page);
    const usableMs = performance.now() - t;
    // Late bodies (the audit list after a trace) still count toward the weight.
    await page.waitForLoadState('networkidle');
    return { firstPageUsableMs: Math.round(usableMs), pageWeightKiB: Math.round(weight / 1024) };
  } finally {
    await browser.close();
    await app.close();
  }
}
