import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = import.meta.dirname;
const builder = parse(readFileSync(join(here, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder configuration', () => {
  it('flips every fuse of the security baseline', () => {
    expect(builder.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
    });
  });

  it('never rebuilds native modules (N-API prebuilds ship in the tarballs) and drops stray build folders', () => {
    expect(builder.npmRebuild).toBe(false);
    expect(builder.nodeGypRebuild).toBe(false);
    expect(builder.files).toEqual(expect.arrayContaining(['!node_modules/@serialport/bindings-cpp/build/**', '!node_modules/node-hid/build/**']));
  });

  it('builds deb and AppImage for arm64 and x64, the deb depending on libusb and cage', () => {
    const linux = builder.linux as { target: Array<{ target: string; arch: string[] }> };
    for (const t of ['deb', 'AppImage']) expect(linux.target.find((x) => x.target === t)?.arch.sort()).toEqual(['arm64', 'x64']);
    expect((builder.deb as { depends: string[] }).depends).toEqual(expect.arrayContaining(['libusb-1.0-0', 'cage']));
  });

  it('packs the files it names, and electron-builder accepts the configuration', () => {
    for (const f of ['build/systemd/kiosk.service', 'build/udev/60-kiosk.rules', 'build/deb/after-install.sh', 'build/deb/after-remove.sh', 'build/pi/setup.sh']) {
      expect(existsSync(join(here, '..', f)), f).toBe(true);
    }
    // Validation runs before any download; the build itself needs GitHub, which is unreachable here.
    const validate = `
      const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
      const { DebugLogger } = require('builder-util');
      const { parse } = require('yaml');
      const config = parse(require('fs').readFileSync(${JSON.stringify(join(here, 'electron-builder.yml'))}, 'utf8'));
      validateConfiguration(config, new DebugLogger(false)).then(() => console.log('valid'), (e) => { console.error(e.message); process.exit(1); });`;
    expect(execFileSync(process.execPath, ['-e', validate], { cwd: join(here, '..'), encoding: 'utf8' }).trim()).toBe('valid');
  });
});

describe('systemd unit', () => {
  const unit = readFileSync(join(here, 'systemd', 'kiosk.service'), 'utf8');

  it('restarts always, never gives up, and uses the watchdog with notify access for the Electron grandchild', () => {
    for (const line of ['Restart=always', 'StartLimitIntervalSec=0', 'WatchdogSec=30', 'Type=notify', 'NotifyAccess=all', 'User=kiosk']) expect(unit).toContain(line);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify (with placeholder binaries)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    const path = join(dir, 'kiosk.service');
    // cage is not installed here: point ExecStart at a binary that exists, keep everything else.
    writeFileSync(path, unit.replace('/usr/bin/cage -d -- /opt/kiosk/kiosk --ozone-platform=wayland', '/bin/true'));
    const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('kiosk.service'))).toEqual([]);
    copyFileSync(path, join(dir, 'copy.service'));
  });
});

describe('Pi setup script', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', join(here, 'pi', 'setup.sh')]).status).toBe(0);
  });
});
