import { mkdirSync, mkdtempSync } from 'node:fs';
import { serverPublicKeyOf } from '../server/store/rules.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPin } from '../core/identity/pin.ts';
import { cccdQr, makePeople, pcCovidQr, seedStatuses, type Person } from '../server/services/seed.ts';
import { SqliteStore } from '../server/store/sqlite/sqlite-store.ts';
import { buildServer } from '../server/http/app.ts';
import { fakeCameraFile, launchChromium, openGuard, startBrowserKiosk } from '../test/helpers/browser.ts';
import { enrollDevice } from '../test/helpers/server.ts';
import { writeDeviceKey } from '../test/helpers/kiosk.ts';

/**
 * `npm run screenshots`: each screen of the guard UI, in Debian's Chromium at 1280×720, into
 * docs/screenshots/ (linked from the README). Real kiosk, real server, real verdicts.
 */
const out = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const people = makePeople(120, 12);
const by = (s: Person['status']) => people.find((p) => p.status === s) as Person;

const store = new SqliteStore(':memory:');
await seedStatuses(store, people);
const app = buildServer({ store });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const device = await enrollDevice(store, 'hospital');
const dir = mkdtempSync(join(tmpdir(), 'kiosk-shots-'));
const camera = fakeCameraFile('no-code', 3, 10, 5, 1280, 720);
const kiosk = await startBrowserKiosk(
  {
    server: { url, statusBudgetMs: 400, publicKey: serverPublicKeyOf(store.serverKey) },
    device: { id: device.deviceId, venueId: device.venueId, keyFile: writeDeviceKey(dir, device), riskListKey: device.riskListKey },
    venue: { kind: 'hospital', name: 'Bệnh viện Đa khoa Demo' },
    ui: { resultMs: 30_000, technicianPinHash: hashPin('246810') },
  },
  dir,
);
const browser = await launchChromium({ fakeCamera: camera.path });
const page = await openGuard(browser, kiosk.url);
const shot = async (name: string) => {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, `${name}.png`) });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
};
let n = 0;
const scan = async (text: string, name: string) => {
  kiosk.scan(text);
  n++;
  await kiosk.kiosk.waitFor((e) => e.type === 'verdict' && kiosk.kiosk.events.filter((x) => x.type === 'verdict').length >= n);
  await page.waitForSelector('#app[data-screen="result"]');
  await shot(name);
};
await page.waitForSelector('#strip-net');
await shot('idle');
await scan(cccdQr(by('green')), 'allow');
await scan(pcCovidQr(by('red'), true), 'deny-flagged');
await scan(cccdQr(by('yellow')), 'warn-yellow');
await scan('https://qrcode.pccovid.gov.vn/checkin?locationId=79-760-00012', 'deny-venue-poster');
await page.keyboard.press('Control+Alt+KeyT');
for (const d of '246810') await page.click(`#tech-pin button[data-key="${d}"]`);
await shot('technician-pin');
await page.click('#tech-unlock');
await page.waitForSelector('#tech-panel:not([hidden])');
await shot('technician');
await page.close();

// Camera: the preview with its aiming frame (a separate kiosk with the camera on).
const camKiosk = await startBrowserKiosk({ camera: { enabled: true, width: 1280, height: 720, fps: 2 }, ui: { resultMs: 30_000 } }, mkdtempSync(join(tmpdir(), 'kiosk-shots-cam-')));
const camPage = await openGuard(browser, camKiosk.url);
await camPage.waitForSelector('#app[data-camera="on"]');
await camPage.waitForTimeout(300);
await camPage.screenshot({ path: join(out, 'camera-idle.png') });
process.stdout.write('docs/screenshots/camera-idle.png\n');

await browser.close();
kiosk.kiosk.proc.kill('SIGTERM');
camKiosk.kiosk.proc.kill('SIGTERM');
await app.close();
await store.close();
