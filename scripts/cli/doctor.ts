import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import { serializeError } from '../../common/errors.ts';
import { timeResponseSchema, whoamiResponseSchema } from '../../common/wire.ts';
import { HttpClient } from '../../core/http/client.ts';
import { loadDeviceIdentity } from '../../core/identity/device-key.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { readConfigFile } from '../../core/runtime/config-file.ts';
import { clockSyncProbe } from '../../core/runtime/host-facts.ts';
import type { Relay } from '../../drivers/contracts/relay.ts';
import { createIndicator, createSafeStateOutputs } from '../../drivers/create.ts';
import { printJson } from './output.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Check {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What a technician does about a warn or a fail. */
  hint?: string;
}

const pass = (check: string, detail: string): Check => ({ check, status: 'pass', detail });
const warn = (check: string, detail: string, hint: string): Check => ({ check, status: 'warn', detail, hint });
const fail = (check: string, detail: string, hint: string): Check => ({ check, status: 'fail', detail, hint });

const message = (err: unknown) => serializeError(err).message;

function lockHint(err: unknown): string {
  return /lock|busy|EBUSY/i.test(message(err)) ? 'the kiosk holds the device: stop it first (systemctl stop kiosk)' : 'check the cable, `kiosk devices` and the udev rules (docs/deploy.md)';
}

/** Clicks one output: on for `clickMs`, off, reading back where the hardware allows. */
async function clickOutput(name: string, relay: Relay, clickMs: number): Promise<Check> {
  try {
    await relay.start();
  } catch (err) {
    return fail(name, `${relay.id}: ${message(err)}`, lockHint(err));
  }
  try {
    await relay.set(true);
    const whileOn = await relay.readState?.();
    await new Promise((r) => setTimeout(r, clickMs));
    await relay.set(false);
    const afterOff = await relay.readState?.();
    await relay.stop();
    if (whileOn === undefined || afterOff === undefined) return pass(name, `${relay.id}: clicked (this hardware has no read-back: listen for the click)`);
    if (whileOn && !afterOff) return pass(name, `${relay.id}: clicked, read back on then off`);
    return fail(name, `${relay.id}: read back ${whileOn ? 'on' : 'off'} while on, ${afterOff ? 'on' : 'off'} after off`, 'relay stuck or wired to another channel: check the board and `channel`');
  } catch (err) {
    await relay.stop().catch(() => undefined);
    return fail(name, `${relay.id}: ${message(err)}`, lockHint(err));
  }
}

export async function gateChecks(config: KioskConfig, clickMs = 300): Promise<Check[]> {
  const checks: Check[] = [];
  const outputs = createSafeStateOutputs(config);
  const names = ['gate', ...(config.indicator.kind === 'lights' ? (['green', 'red', 'amber', 'buzzer'] as const).filter((l) => config.indicator.kind === 'lights' && config.indicator[l]).map((l) => `indicator.${l}`) : [])];
  for (const [i, relay] of outputs.entries()) checks.push(await clickOutput(names[i] ?? relay.id, relay, clickMs));
  if (config.indicator.kind === 'tower-light' || config.indicator.kind === 'blink1') {
    const indicator = createIndicator(config.indicator);
    try {
      await indicator.start();
      await indicator.show({ color: 'green', mode: 'steady', durationMs: clickMs, sound: 'allow' });
      await new Promise((r) => setTimeout(r, clickMs));
      await indicator.stop();
      checks.push(pass('indicator', `${indicator.id}: showed green and beeped (look and listen)`));
    } catch (err) {
      checks.push(fail('indicator', `${indicator.id}: ${message(err)}`, lockHint(err)));
    }
  }
  return checks;
}

/** Presence of each configured device without moving anything (the default, non-intrusive check). */
function devicePresence(config: KioskConfig): Check[] {
  const checks: Check[] = [];
  const s = config.scanner;
  if (s.kind === 'serial') {
    checks.push(existsSync(s.path) ? pass('scanner', `${s.path} present`) : fail('scanner', `${s.path} is missing`, 'plug the scanner in, switch it to USB serial (CDC) mode, or fix scanner.path; `kiosk devices` lists what is attached'));
  } else {
    checks.push(warn('scanner', `scanner kind "${s.kind}" has no device to check`, 'set scanner.kind to your scanner (serial, …) for a real kiosk'));
  }
  const g = config.gate;
  const gatePresent = (() => {
    switch (g.kind) {
      case 'serial-relay':
        return existsSync(g.path) ? pass('gate', `${g.path} present`) : fail('gate', `${g.path} is missing`, 'plug the relay board in or fix gate.path; CH340 boards appear as /dev/ttyUSB*');
      case 'led':
        return existsSync(`${g.root}/${g.name}`) ? pass('gate', `LED ${g.name} present`) : fail('gate', `no LED ${g.name} under ${g.root}`, 'add dtoverlay=gpio-led,gpio=N,label=NAME to config.txt and reboot');
      case 'gpio':
        return existsSync('/dev/gpiochip0') ? pass('gate', 'GPIO character device present') : fail('gate', 'no /dev/gpiochip*', 'not a Raspberry Pi, or the kernel lacks GPIO support');
      case 'hid-relay':
        return existsSync('/dev/hidraw0') ? pass('gate', 'a hidraw device is present (run with --gate to click it)') : fail('gate', 'no /dev/hidraw*', 'plug the USB HID relay in; check the udev rule for 16c0:05df');
      case 'fake':
        return warn('gate', 'gate kind "fake": no relay is driven', 'set gate.kind to your relay board for a real kiosk');
      default:
        return fail('gate', 'unknown gate kind', 'fix gate.kind');
    }
  })();
  checks.push(gatePresent);
  const videos = existsSync('/dev') ? readdirSync('/dev').filter((d) => /^video\d+$/.test(d)) : [];
  checks.push(videos.length > 0 ? pass('camera', `/dev/${videos.join(', /dev/')}`) : fail('camera', 'no camera (/dev/video*)', 'plug a USB camera in if the kiosk reads QR codes by camera; with a hardware scanner this is expected'));
  return checks;
}

async function serverChecks(config: KioskConfig): Promise<Check[]> {
  if (!config.server || !config.device) return [fail('server', 'not provisioned', 'run `kiosk provision --server URL --code CODE --config FILE`')];
  const checks: Check[] = [];
  const plain = new HttpClient({ baseUrl: config.server.url, clock: systemClock });
  const started = performance.now();
  const time = await plain.request({ method: 'GET', path: '/v1/time', schema: timeResponseSchema, timeoutMs: 5000 });
  const rtt = Math.round(performance.now() - started);
  if (!time.ok) {
    checks.push(fail('server', `${config.server.url}: ${time.message}`, 'check the network, DNS and server.url'));
    return checks;
  }
  const skewS = Math.round((time.value.serverTime - Date.now()) / 1000);
  checks.push(pass('server', `${config.server.url} answered in ${rtt} ms`));
  checks.push(
    Math.abs(skewS) <= 60
      ? pass('clock vs server', `${skewS} s`)
      : warn('clock vs server', `kiosk clock is ${-skewS} s off the server's`, 'enable time sync (systemd-timesyncd); entries are re-timed from the server meanwhile'),
  );
  try {
    const identity = loadDeviceIdentity(config.device.id, config.device.keyFile);
    const signed = new HttpClient({ baseUrl: config.server.url, identity, clock: systemClock });
    const me = await signed.request({ method: 'GET', path: '/v1/whoami', schema: whoamiResponseSchema, timeoutMs: 5000 });
    checks.push(
      me.ok
        ? pass('signed request', `server knows this kiosk as ${me.value.deviceId} at venue ${me.value.venueId}`)
        : fail('signed request', me.message, me.code === 'unauthorized' ? 'the server does not know this key: re-provision with a new enrollment code' : 'see the message'),
    );
  } catch (err) {
    checks.push(fail('signed request', message(err), 'the device key is missing or has loose permissions: chmod 600, or re-provision'));
  }
  return checks;
}

function storageChecks(config: KioskConfig): Check[] {
  const checks: Check[] = [];
  try {
    const s = statfsSync(dirname(config.store.path));
    const freeMiB = Math.floor((s.bavail * s.bsize) / 2 ** 20);
    checks.push(freeMiB >= config.store.lowSpaceMiB ? pass('disk space', `${freeMiB} MiB free`) : fail('disk space', `${freeMiB} MiB free`, `free space on ${dirname(config.store.path)} (below store.lowSpaceMiB = ${config.store.lowSpaceMiB})`));
  } catch (err) {
    checks.push(fail('disk space', message(err), 'store.path points at a missing or unreadable directory'));
  }
  if (!existsSync(config.store.path)) {
    checks.push(warn('outbox', 'no outbox yet', 'it is created on the first `kiosk run`'));
    return checks;
  }
  try {
    const outbox = Outbox.open({ path: config.store.path, bootId: 'doctor', nowMs: Date.now });
    const stats = outbox.stats();
    const risk = outbox.riskList.state();
    const trust = outbox.trustList.state();
    outbox.close();
    const ageH = stats.oldestPendingAt === null ? 0 : (Date.now() - stats.oldestPendingAt) / 3600_000;
    checks.push(
      stats.pending === 0
        ? pass('outbox', `all ${stats.lastSeq} entries uploaded`)
        : ageH > 24
          ? fail('outbox', `${stats.pending} entries waiting, oldest ${ageH.toFixed(1)} h`, 'the kiosk cannot upload: check `server` above')
          : warn('outbox', `${stats.pending} entries waiting, oldest ${(ageH * 60).toFixed(0)} min`, 'normal right after an outage; they upload by themselves'),
    );
    const riskAgeH = risk.syncedAt === null ? undefined : (Date.now() - risk.syncedAt) / 3600_000;
    checks.push(
      riskAgeH === undefined
        ? warn('risk list', 'never synced', 'it syncs after provisioning when the server is reachable')
        : riskAgeH > 24
          ? fail('risk list', `${risk.size} entries, ${riskAgeH.toFixed(1)} h old`, 'offline decisions use stale data: check `server` above')
          : pass('risk list', `${risk.size} entries, ${(riskAgeH * 60).toFixed(0)} min old`),
    );
    // EU DCC keys: a week-old list still verifies travellers, but revoked signers go unnoticed.
    const trustAgeD = trust.syncedAt === null ? undefined : (Date.now() - trust.syncedAt) / 86_400_000;
    const localTrust = config.dcc.trustFile ? ` plus ${config.dcc.trustFile}` : '';
    checks.push(
      trustAgeD === undefined
        ? config.dcc.trustFile
          ? pass('certificate keys', `local trust file ${config.dcc.trustFile} only (never synced)`)
          : warn('certificate keys', 'never synced: EU DCCs are denied as unverifiable', 'it syncs after provisioning when the server is reachable (kiosk server trust import on the server)')
        : trustAgeD > 7
          ? fail('certificate keys', `${trust.size} signers, ${trustAgeD.toFixed(1)} days old${localTrust}`, 'revoked signers go unnoticed: check `server` above')
          : pass('certificate keys', `${trust.size} signers, version ${trust.version}, ${trustAgeD < 1 ? `${(trustAgeD * 24).toFixed(1)} h` : `${trustAgeD.toFixed(1)} days`} old${localTrust}`),
    );
  } catch (err) {
    checks.push(fail('outbox', message(err), 'the database is damaged or locked; see docs/deploy.md'));
  }
  return checks;
}

function clockCheck(): Check {
  return clockSyncProbe()()
    ? pass('clock sync', 'systemd-timesyncd synchronised')
    : warn('clock sync', 'not synchronised since boot', 'enable systemd-timesyncd and allow NTP; entries are marked clock-unverified until then');
}

/** `kiosk doctor [--gate] [--json]`: a pass/warn/fail table; exit code non-zero on any fail. */
export async function doctorCommand(options: { config: string; gate?: boolean; json?: boolean }): Promise<void> {
  const loaded = readConfigFile(options.config);
  if (!loaded.ok) {
    const checks = loaded.problems.map((p) => fail(`config ${p.field}`, p.message, `fix ${options.config}; \`kiosk config check\` lists every problem`));
    report(checks, options.json === true);
    process.exit(2);
  }
  const config = loaded.config;
  const checks: Check[] = [pass('config', loaded.path)];
  if (options.gate) {
    checks.push(...(await gateChecks(config)));
  } else {
    checks.push(...devicePresence(config), clockCheck(), ...(await serverChecks(config)), ...storageChecks(config));
  }
  report(checks, options.json === true);
  process.exit(checks.some((c) => c.status === 'fail') ? 1 : 0);
}

function report(checks: Check[], isJson: boolean): void {
  if (isJson) {
    printJson({ ok: !checks.some((c) => c.status === 'fail'), checks });
    return;
  }
  const width = Math.max(...checks.map((c) => c.check.length));
  for (const c of checks) {
    const mark = c.status === 'pass' ? 'PASS' : c.status === 'warn' ? 'WARN' : 'FAIL';
    process.stdout.write(`${mark}  ${c.check.padEnd(width)}  ${c.detail}${c.hint ? `\n      ${''.padEnd(width)}  → ${c.hint}` : ''}\n`);
  }
}

