import type { Browser, Page } from 'playwright-core';
import type { KioskEvent } from '../../common/events.ts';
import { cccdQr, makePeople } from '../../server/services/seed.ts';
import { CHROMIUM, fakeCameraFile, launchChromium, openGuard, startBrowserKiosk } from '../../test/helpers/browser.ts';
import { distribution, type Suite } from './common.ts';

type Verdict = Extract<KioskEvent, { type: 'verdict' }>;
interface PageGlobals {
  __shown: Record<string, number>;
  __kioskCamera(): { offered: number; dropped: number; decoded: number; recentMs: number[] };
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: { attributes: boolean }): void };
  performance: { memory: { usedJSHeapSize: number } };
}
const SCANS = 20;

/** Records when each verdict's screen appeared (page clock = kiosk clock: same machine). */
async function watchScreens(page: Page): Promise<void> {
  // Runs in the page (this file is type-checked without DOM types, hence the shapes spelt out).
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const shown: Record<string, number> = {};
    g.__shown = shown;
    const app = g.document.getElementById('app');
    new g.MutationObserver(() => {
      const id = app.dataset.entryId;
      if (id && shown[id] === undefined && app.dataset.screen === 'result') shown[id] = Date.now();
    }).observe(app, { attributes: true });
  });
}

async function scanLatencies(page: Page, kiosk: Awaited<ReturnType<typeof startBrowserKiosk>>): Promise<number[]> {
  const people = makePeople(SCANS, 77);
  const latencies: number[] = [];
  for (const [i, p] of people.entries()) {
    kiosk.scan(cccdQr(p));
    const v = (await kiosk.kiosk.waitFor((e) => e.type === 'verdict' && kiosk.kiosk.events.filter((x) => x.type === 'verdict' && x.scanner !== 'camera').length > i, 10_000)) as Verdict;
    await page.waitForFunction((id) => (globalThis as unknown as PageGlobals).__shown[id] !== undefined, v.entryId);
    const shownAt = await page.evaluate((id) => (globalThis as unknown as PageGlobals).__shown[id] as number, v.entryId);
    latencies.push(shownAt - v.at);
    await new Promise((r) => setTimeout(r, 150));
  }
  return latencies;
}

const heap = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).performance.memory.usedJSHeapSize / 2 ** 20);

/**
 * The guard screen in Debian's Chromium through the browser bridge: time from a verdict (its `at`,
 * stamped by the core) to the result screen on the page, without and during a 60 fps camera storm
 * of 1280×720 frames without a code (the worst case: every frame runs every decoder pass), and the
 * page's JS heap over the storm.
 */
export const screenSuite: Suite = {
  name: 'screen',
  description: 'verdict → guard screen latency in Chromium, alone and during a 60 fps camera storm; heap during the storm',
  async run(log) {
    if (!CHROMIUM) throw new Error('Debian chromium is not installed');
    const results: Record<string, unknown> = {};
    let browser: Browser | undefined;
    let kiosk: Awaited<ReturnType<typeof startBrowserKiosk>> | undefined;
    try {
      kiosk = await startBrowserKiosk({ ui: { resultMs: 500, sounds: false } });
      browser = await launchChromium();
      let page = await openGuard(browser, kiosk.url);
      await watchScreens(page);
      const calm = distribution(await scanLatencies(page, kiosk));
      results.verdictToScreenMs = calm;
      log(`  verdict → screen: p50 ${calm.p50} ms, p95 ${calm.p95} ms, max ${calm.max} ms (target < 100 ms)`);
      await browser.close();
      kiosk.kiosk.proc.kill('SIGTERM');
      await kiosk.kiosk.exited;

      const camera = fakeCameraFile('no-code', 0, 60, 60, 1280, 720);
      kiosk = await startBrowserKiosk({ ui: { resultMs: 500, sounds: false }, camera: { enabled: true, width: 1280, height: 720, fps: 60 } });
      browser = await launchChromium({ fakeCamera: camera.path });
      page = await openGuard(browser, kiosk.url);
      await page.waitForSelector('#app[data-camera="on"]');
      await watchScreens(page);
      await page.waitForTimeout(3000);
      const heapStart = await heap(page);
      const heaps: number[] = [];
      const sampler = setInterval(() => void heap(page).then((h) => heaps.push(h)), 1000);
      const storm = distribution(await scanLatencies(page, kiosk));
      await page.waitForTimeout(15_000);
      clearInterval(sampler);
      const heapEnd = await heap(page);
      const stats = await page.evaluate(() => (globalThis as unknown as PageGlobals).__kioskCamera());
      const workerMs = distribution(stats.recentMs);
      results.storm = {
        verdictToScreenMs: storm,
        heapStartMiB: Math.round(heapStart * 10) / 10,
        heapEndMiB: Math.round(heapEnd * 10) / 10,
        heapMaxMiB: Math.round(Math.max(heapStart, heapEnd, ...heaps) * 10) / 10,
        framesOffered: stats.offered,
        framesDropped: stats.dropped,
        // The camera worker's own time per frame in Chromium (wall), the last frames of the storm.
        workerDecodeMs: workerMs,
      };
      log(`  during a 60 fps storm: verdict → screen p50 ${storm.p50} ms, p95 ${storm.p95} ms; heap ${heapStart.toFixed(1)} → ${heapEnd.toFixed(1)} MiB; ${stats.dropped} of ${stats.offered} frames dropped; worker decode p50 ${workerMs.p50} ms, p95 ${workerMs.p95} ms`);
    } finally {
      await browser?.close();
      kiosk?.kiosk.proc.kill('SIGTERM');
    }
    return results;
  },
};
