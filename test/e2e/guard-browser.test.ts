import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KioskEvent } from '../../common/events.ts';
import { CONTENT_SECURITY_POLICY } from '../../core/runtime/static-files.ts';
import { hashPin } from '../../core/identity/pin.ts';
import { cccdQr, makePeople, seedStatuses, type Person } from '../../server/services/seed.ts';
import { CHROMIUM, NO_CHROMIUM, fakeCameraFile, launchChromium, openGuard, pageErrors, startBrowserKiosk, stopKiosk } from '../helpers/browser.ts';
import type { KioskProcess } from '../helpers/cli.ts';
import { issueDcc, makeCsca, makeDsc, vaccination } from '../helpers/dcc-issuer.ts';
import { writeDeviceKey } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, type TestServer } from '../helpers/server.ts';

if (!CHROMIUM) console.log(NO_CHROMIUM);
const people = makePeople(80, 41);
const green = people.find((p) => p.status === 'green') as Person;
const red = people.find((p) => p.status === 'red') as Person;
const HOSTILE = '<img src=x onerror=alert(1)>';
type Verdict = Extract<KioskEvent, { type: 'verdict' }>;

describe.skipIf(!CHROMIUM)('guard screen in Chromium through the browser bridge', () => {
  let server: TestServer | undefined;
  let kiosk: KioskProcess | undefined;
  let browser: Browser | undefined;
  afterEach(async () => {
    // The page first, so the kiosk is not answering it while it stops.
    await browser?.close();
    browser = undefined;
    const stopping = kiosk;
    kiosk = undefined;
    await stopKiosk(stopping);
    await server?.close();
    server = undefined;
  });

  async function provisionedKiosk(extra: Record<string, unknown> = {}) {
    server = await startTestServer();
    await seedStatuses(server.store, people);
    const device = await enrollDevice(server.store);
    const started = await startBrowserKiosk({
      server: { url: server.url, statusBudgetMs: 5000 },
      device: { id: device.deviceId, venueId: device.venueId, keyFile: writeDeviceKey((await import('node:os')).tmpdir(), device), riskListKey: device.riskListKey },
      ...extra,
    });
    kiosk = started.kiosk;
    return started;
  }

  /** A kiosk with the camera on, Chromium's fake capture device playing `camera`, the guard screen showing its preview. */
  async function cameraGuard(
    camera: { path: string },
    size: { width: number; height: number; fps: number },
    extra: { config?: Record<string, unknown>; requests?: string[]; initScript?: string } = {},
  ) {
    const started = await startBrowserKiosk({ camera: { enabled: true, ...size }, ...extra.config });
    kiosk = started.kiosk;
    browser = await launchChromium({ fakeCamera: camera.path });
    const page = await openGuard(browser, started.url, { ...(extra.requests ? { requests: extra.requests } : {}), ...(extra.initScript === undefined ? {} : { initScript: extra.initScript }) });
    await page.waitForSelector('#app[data-camera="on"]');
    return { started, kiosk: started.kiosk, page };
  }

  const verdictFor = (k: KioskProcess, n: number) => k.waitFor((e) => e.type === 'verdict' && k.events.filter((x) => x.type === 'verdict').length >= n) as Promise<Verdict>;

  it('shows green for a declared person, red for a flagged one, with a distinct sound each, back to idle by itself', async () => {
    const { url, scan } = await provisionedKiosk({ ui: { resultMs: 1500 } });
    browser = await launchChromium();
    const page = await openGuard(browser, url);
    expect(await page.textContent('#idle-title')).toBe('Mời quét mã QR');

    scan(cccdQr(green));
    const allowed = await verdictFor(kiosk!, 1);
    await page.waitForSelector(`#app[data-verdict="allow"][data-entry-id="${allowed.entryId}"]`);
    expect(await page.textContent('#result-shape')).toBe('✓');
    expect(await page.textContent('#result-title')).toBe('MỜI VÀO');
    expect(await page.textContent('#result-direction')).toBe('VÀO');
    expect(await page.textContent('#result-status')).toBe('Trạng thái: xanh');
    expect(await page.getAttribute('html', 'data-last-sound')).toBe('allow');
    await page.waitForSelector('#app[data-screen="idle"]', { timeout: 5000 });

    scan(cccdQr(red));
    const denied = await verdictFor(kiosk!, 2);
    await page.waitForSelector(`#app[data-verdict="deny"][data-entry-id="${denied.entryId}"]`);
    expect(await page.textContent('#result-shape')).toBe('✗');
    // On a refusal the direction is a small label, not a bordered "VÀO" that reads as an order.
    expect(await page.textContent('#result-direction')).toBe('Cổng vào');
    expect(await page.evaluate("getComputedStyle(document.getElementById('result-direction')).borderTopWidth")).toBe('0px');
    expect(await page.getAttribute('html', 'data-last-sound')).toBe('deny');
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows the offline strip when the server stops, and still decides', async () => {
    const { url, scan } = await provisionedKiosk();
    browser = await launchChromium();
    const page = await openGuard(browser, url);
    scan(cccdQr(green));
    await verdictFor(kiosk!, 1);
    await page.waitForSelector('#strip-net:not(.bad)');
    await server!.close();
    server = undefined;
    scan(cccdQr(people.find((p) => p.status === 'green' && p !== green) as Person));
    const offline = await verdictFor(kiosk!, 2);
    expect(offline.source).toBe('offline');
    await page.waitForSelector('#strip-net.bad');
    expect(await page.textContent('#strip-net')).toBe('○ Ngoại tuyến');
  });

  it('never lets a name become markup: a hostile CCCD is refused, a hostile certificate name is shown as text', async () => {
    const csca = await makeCsca('XA');
    const dsc = await makeDsc(csca);
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'kiosk-trust-'));
    const trustFile = join(dir, 'trust.json');
    (await import('node:fs')).writeFileSync(trustFile, JSON.stringify([csca.entry, dsc.entry]));
    const started = await startBrowserKiosk({ dcc: { trustFile } });
    kiosk = started.kiosk;
    browser = await launchChromium();
    const page = await openGuard(browser, started.url);

    started.scan(cccdQr({ ...green, name: `Nguyễn ${HOSTILE}` }));
    const refused = await verdictFor(kiosk, 1);
    expect(refused.verdict).toBe('deny');
    await page.waitForSelector('#app[data-verdict="deny"]');

    const cert = vaccination();
    (cert.nam as Record<string, string>).fn = HOSTILE;
    started.scan(issueDcc(dsc, cert));
    const allowed = await verdictFor(kiosk, 2);
    expect(allowed).toMatchObject({ verdict: 'allow', format: 'eu-dcc' });
    await page.waitForSelector(`#app[data-entry-id="${allowed.entryId}"]`);
    expect(await page.textContent('#result-name')).toContain('<img');
    expect(await page.locator('#result img').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(pageErrors(page)).toEqual([]);
  });

  it('reads a QR from the camera (Chromium fake capture device) into a verdict', async () => {
    const camera = fakeCameraFile('clean', 1, 10, 5);
    const { kiosk: k, page } = await cameraGuard(camera, { width: 640, height: 480, fps: 5 });
    const v = (await k.waitFor((e) => e.type === 'verdict' && e.scanner === 'camera', 30_000)) as Verdict;
    expect(v).toMatchObject({ format: 'vn-cccd', scanner: 'camera' });
    await page.waitForSelector(`#app[data-entry-id="${v.entryId}"]`);
    // The same code held up for seconds is one scan, not one per frame.
    await page.waitForTimeout(2500);
    expect(k.events.filter((e) => e.type === 'verdict' && e.scanner === 'camera')).toHaveLength(1);
    expect(camera.text).toContain('||');
  });

  it('loads its decoders from its own files: no request leaves its origin', async () => {
    const requests: string[] = [];
    const { started, kiosk: k } = await cameraGuard(fakeCameraFile('clean', 2, 10, 5), { width: 640, height: 480, fps: 5 }, { requests });
    await k.waitFor((e) => e.type === 'verdict' && e.scanner === 'camera', 30_000);
    const origin = new URL(started.url).origin;
    // ZXing-C++'s WebAssembly came from the kiosk (its library default is a CDN), and nothing else went anywhere.
    expect(requests).toContain(`${origin}/camera/zxing_reader.wasm`);
    expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !/^(data|blob):/.test(u))).toEqual([]);
  }, 60_000);

  it('reads from a camera at one frame a second, and the technician screen names the decoder and its time', async () => {
    // One frame a second is the slowest Chromium's fake capture device plays (below that it sends nothing).
    const { kiosk: k, page } = await cameraGuard(fakeCameraFile('clean', 3, 2, 1), { width: 640, height: 480, fps: 5 }, { config: { ui: { technicianPinHash: hashPin('246810') } } });
    await k.waitFor((e) => e.type === 'verdict' && e.scanner === 'camera', 60_000);
    await page.waitForSelector('#app[data-screen="idle"]', { timeout: 20_000 });
    await page.keyboard.press('Control+Alt+KeyT');
    for (const d of '246810') await page.click(`#tech-pin button[data-key="${d}"]`);
    await page.click('#tech-unlock');
    await page.waitForSelector('#tech-panel:not([hidden])');
    // Which pass reads depends on whose turn the first whole frame met (a busy machine gives "zbar-half-1").
    expect(await page.textContent('#tech-facts')).toMatch(/Camera: mã gần nhất(zxing|zbar)[a-z0-9 -]*, [\d.]+ ms/);
    expect(pageErrors(page)).toEqual([]);
  }, 120_000);

  it('says so when the camera is unplugged, keeps taking scanner input, and takes the camera back when it returns', async () => {
    const { started, page } = await cameraGuard(fakeCameraFile('no-code', 1, 5, 5), { width: 640, height: 480, fps: 5 });
    // What Chromium does when the USB camera goes away: the track ends.
    await page.evaluate("document.getElementById('camera-preview').srcObject.getVideoTracks()[0].dispatchEvent(new Event('ended'))");
    await page.waitForSelector('#app[data-camera="unplugged"]');
    expect(await page.textContent('#camera-message')).toContain('Camera bị rút ra');
    expect(await page.getAttribute('#strip-camera', 'class')).toBe('bad');
    started.scan(cccdQr(green));
    await page.waitForSelector('#app[data-screen="result"]');
    // Plugged back in: the browser announces a device change and the preview returns without a restart.
    await page.evaluate("navigator.mediaDevices.dispatchEvent(new Event('devicechange'))");
    await page.waitForSelector('#app[data-camera="on"]', { timeout: 10_000 });
    expect(pageErrors(page)).toEqual([]);
  });

  it('says so when the camera is refused or missing, and the scanner keeps working', async () => {
    const started = await startBrowserKiosk({ camera: { enabled: true } });
    kiosk = started.kiosk;
    browser = await launchChromium({ isCameraAllowed: false });
    const page = await openGuard(browser, started.url);
    await page.waitForSelector('#camera-message:not([hidden])');
    expect(await page.textContent('#camera-message')).toMatch(/Camera bị từ chối|Không tìm thấy camera/);
    expect(await page.getAttribute('#strip-camera', 'class')).toBe('bad');
    started.scan(cccdQr(green));
    await page.waitForSelector('#app[data-screen="result"]');
  });

  it('drops camera frames while the decoder is busy (a 60 fps storm) and scanner verdicts still come through', async () => {
    // Counts what crosses into the decoder worker, from outside the code under test: frames posted,
    // replies received, and the most frames ever waiting in the worker at once.
    const countWorkerTraffic = `{
      const NativeWorker = Worker;
      const t = { posted: 0, answered: 0, inFlight: 0, maxInFlight: 0 };
      globalThis.__workerTraffic = t;
      globalThis.Worker = class extends NativeWorker {
        constructor(...args) { super(...args); this.addEventListener('message', () => { t.answered++; t.inFlight--; }); }
        postMessage(...args) { t.posted++; t.inFlight++; t.maxInFlight = Math.max(t.maxInFlight, t.inFlight); return super.postMessage(...args); }
      };
    }`;
    const { started, page } = await cameraGuard(fakeCameraFile('no-code', 0, 30, 60, 1280, 720), { width: 1280, height: 720, fps: 60 }, { initScript: countWorkerTraffic });
    // Wait for the storm to have happened (frames offered, the worker answering), not for a fixed time.
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { __kioskCamera: () => { offered: number } | undefined }).__kioskCamera();
      const t = (globalThis as unknown as { __workerTraffic: { answered: number } }).__workerTraffic;
      return s !== undefined && s.offered > 60 && t.answered > 2;
    }, undefined, { timeout: 30_000 });
    started.scan(cccdQr(green));
    await page.waitForSelector('#app[data-screen="result"]');
    // Both counters in one evaluation: read apart, frames offered in between would skew the sums.
    const { s, t } = await page.evaluate(() => ({
      s: (globalThis as unknown as { __kioskCamera: () => { offered: number; dropped: number } }).__kioskCamera(),
      t: (globalThis as unknown as { __workerTraffic: { posted: number; answered: number; maxInFlight: number } }).__workerTraffic,
    }));
    // One frame in the worker at a time: every other offered frame was dropped, none queued.
    expect(t.maxInFlight).toBe(1);
    expect(s.dropped).toBeGreaterThan(0);
    expect(t.posted + s.dropped).toBeLessThanOrEqual(s.offered);
    expect(t.answered).toBeGreaterThanOrEqual(t.posted - 1);
  });

  it('opens the technician screen behind a PIN, locks after five wrong PINs, and offers no way out', async () => {
    const started = await startBrowserKiosk({ ui: { technicianPinHash: hashPin('246810') } });
    kiosk = started.kiosk;
    browser = await launchChromium();
    const page = await openGuard(browser, started.url);
    const enter = async (pin: string) => {
      for (const d of pin) await page.click(`#tech-pin button[data-key="${d}"]`);
      await page.click('#tech-unlock');
    };
    await page.keyboard.press('Control+Alt+KeyT');
    await page.waitForSelector('#app[data-screen="technician"]');
    await enter('246810');
    await page.waitForSelector('#tech-panel:not([hidden])');
    expect(await page.textContent('#tech-facts')).toContain('chưa đăng ký');
    // Recent events are a table in words; the raw JSON stays behind a toggle.
    expect(await page.locator('#tech-events th').allTextContents()).toEqual(['Thời gian', 'Loại mã', 'Kết quả', 'Lý do', 'Nguồn', 'Độ trễ']);
    expect(await page.locator('#tech-events-body tr').count()).toBeGreaterThan(0);
    expect(await page.isVisible('#tech-log')).toBe(false);
    await page.click('#tech-raw-toggle');
    expect(await page.isVisible('#tech-log')).toBe(true);
    expect(await page.locator('#technician a, #technician input, #technician iframe').count()).toBe(0);
    await page.click('#tech-gate');
    await page.waitForSelector('#tech-message:has-text("gate clicked")');
    await page.click('#tech-close');
    await page.waitForSelector('#app[data-screen="idle"]');

    await page.keyboard.press('Control+Alt+KeyT');
    for (let i = 1; i <= 4; i++) {
      await enter('111111');
      await page.waitForSelector(`#tech-pin-error:has-text("${5 - i} tries left")`);
    }
    await enter('111111');
    await page.waitForSelector('#tech-pin-error:has-text("locked")');
    await enter('246810');
    await page.waitForSelector('#tech-pin-error:has-text("locked")');
    expect(await page.isHidden('#tech-panel')).toBe(true);
  });
});

describe('page security policy', () => {
  it('is the same in the page and in the headers the kiosk sends', () => {
    const html = readFileSync(join(import.meta.dirname, '..', '..', 'renderer', 'guard', 'index.html'), 'utf8');
    expect(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });
});
