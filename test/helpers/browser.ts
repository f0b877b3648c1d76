import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeFrame, toY4m, type Category } from '../../scripts/bench/camera-frames.ts';
import { spawnKiosk, type KioskProcess } from './cli.ts';

/**
 * Browser-mode end-to-end tests: Debian's Chromium (installed by .ci/run; never a downloaded
 * browser) driven by playwright-core, headless, against `kiosk run --ui-port`.
 */
export const CHROMIUM = process.env.KIOSK_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const NO_CHROMIUM = 'skipped: Debian chromium not installed (apt-get install chromium; .ci/run does)';

export interface BrowserOptions {
  /** A .y4m file for Chromium's fake camera; without it the page has no camera at all. */
  fakeCamera?: string;
  /** Grant the camera permission (fake UI): false makes getUserMedia fail with NotAllowedError. */
  isCameraAllowed?: boolean;
}

export async function launchChromium(o: BrowserOptions = {}): Promise<Browser> {
  const args = ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--enable-precise-memory-info'];
  if (o.fakeCamera) args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${o.fakeCamera}`);
  if (o.isCameraAllowed !== false) args.push('--use-fake-ui-for-media-stream');
  // Launched as a server so the process can be killed: Chromium's own close now and then never
  // returns (more often with a capture device open), and one hung close used to stall a whole run.
  const server = await chromium.launchServer({ executablePath: CHROMIUM as string, headless: true, args });
  const browser = await chromium.connect(server.wsEndpoint());
  const disconnect = browser.close.bind(browser);
  browser.close = async () => {
    await within(5000, disconnect());
    await within(10_000, server.close());
    await server.kill();
  };
  return browser;
}

/** Waits for `work` at most `ms`; what it was doing is then cut short by the caller. */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = work.then(() => true, () => true);
  try {
    return await Promise.race([done, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then SIGKILL if the kiosk has not exited within `ms`: a kiosk that will not stop fails the test, not the run. */
export async function stopKiosk(kiosk: KioskProcess | undefined, ms = 15_000): Promise<void> {
  if (!kiosk || kiosk.proc.exitCode !== null || kiosk.proc.signalCode !== null) return;
  kiosk.proc.kill('SIGTERM');
  if (await within(ms, kiosk.exited)) return;
  kiosk.proc.kill('SIGKILL');
  await kiosk.exited;
  throw new Error(`the kiosk did not exit within ${ms} ms of SIGTERM; stderr: ${kiosk.stderr().slice(-2000)}`);
}

/** A kiosk in browser mode: stdin scanner (the test types scans), fake gate, events on stdout. */
export async function startBrowserKiosk(config: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), 'kiosk-ui-'))): Promise<{ kiosk: KioskProcess; url: string; configPath: string; scan(text: string): void }> {
  const configPath = join(dir, 'kiosk.json');
  writeFileSync(configPath, JSON.stringify({ store: { path: 'k.db' }, scanner: { kind: 'stdin' }, gate: { kind: 'fake' }, duplicateWindowMs: 0, ...config }));
  const kiosk = spawnKiosk(['run', '--config', configPath, '--headless', '--events', '-', '--ui-port', '0'], { stdin: 'pipe' });
  const ui = (await kiosk.waitFor((e) => e.type === 'ui', 60_000)) as { url: string };
  await kiosk.waitFor((e) => e.type === 'ready', 60_000);
  return { kiosk, url: ui.url, configPath, scan: (text) => kiosk.proc.stdin!.write(`${text}\n`) };
}

/** `requests` collects the URL of every request the page and its workers make; `initScript` runs before the page's own. */
export async function openGuard(browser: Browser, url: string, o: { requests?: string[]; initScript?: string } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  if (o.initScript) await page.addInitScript({ content: o.initScript });
  if (o.requests) page.on('request', (r) => o.requests?.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(url);
  await page.waitForSelector('#app[data-screen="idle"]');
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/** A looping fake-camera video: `count` copies of one generated frame (its text is returned). */
export function fakeCameraFile(category: Category, index: number, count: number, fps = 5, width = 640, height = 480): { path: string; text: string | null } {
  const frame = makeFrame(category, index, width, height);
  const frames = Array.from({ length: count }, () => frame);
  const path = join(mkdtempSync(join(tmpdir(), 'kiosk-cam-')), `${category}.y4m`);
  writeFileSync(path, toY4m(frames.map((f) => f.image), fps));
  return { path, text: frame.text };
}
