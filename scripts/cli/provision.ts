import { existsSync } from 'node:fs';
import { parseEnrollmentQr, type EnrollmentQr } from '../../common/enroll.ts';
import { KioskError } from '../../common/errors.ts';
import { provision, type ProvisionResult } from '../../core/provision/provision.ts';
import { readConfigFile } from '../../core/runtime/config-file.ts';
import { createScanner } from '../../drivers/create.ts';
import { fail, printJson } from './output.ts';

export interface ProvisionCommandOptions {
  server?: string;
  code?: string;
  scan?: boolean;
  timeout: number;
  config: string;
  name?: string;
  force?: boolean;
  json?: boolean;
}

export async function provisionCommand(options: ProvisionCommandOptions): Promise<void> {
  try {
    let target: EnrollmentQr;
    if (options.scan) {
      if (options.server || options.code) throw new KioskError('bad-request', '--scan reads server and code from the enrollment QR: drop --server and --code');
      target = await scanEnrollmentQr(options.config, options.timeout * 1000, options.json === true);
    } else {
      if (!options.server || !options.code) throw new KioskError('bad-request', 'give --server URL and --code CODE, or --scan to read the enrollment QR');
      target = { serverUrl: options.server, code: options.code };
    }
    const result = await provision({
      serverUrl: target.serverUrl,
      code: target.code,
      configPath: options.config,
      ...(options.name ? { name: options.name } : {}),
      isForced: options.force === true,
    });
    if (options.json) printJson(result);
    else printResult(result);
  } catch (err) {
    fail(err);
  }
}

function printResult(result: ProvisionResult): void {
  process.stdout.write(
    `provisioned device ${result.deviceId} for venue "${result.venue.name}" (${result.venueId})\n` +
      `  config: ${result.configPath}\n  key:    ${result.keyFile} (mode 600)\n  store:  ${result.storePath}\n` +
      (result.replaced
        ? `  replaced device ${result.replaced.deviceId}: its key and records were wiped` +
          (result.replaced.lostEntries > 0 ? ` (${result.replaced.lostEntries} entries never uploaded: lost, as --force asked)` : ' (everything had been uploaded)') +
          '\n'
        : '') +
      (result.isNewConfig ? '  new config written with scanner "stdin" and gate "fake": set your devices, then `kiosk config check`\n' : ''),
  );
}

/**
 * Waits for an enrollment QR on the configured scanner (standard input for a kiosk without a
 * config yet). Anything else scanned meanwhile is named and ignored.
 */
async function scanEnrollmentQr(configPath: string, timeoutMs: number, isQuiet: boolean): Promise<EnrollmentQr> {
  let scannerConfig: Parameters<typeof createScanner>[0] = { kind: 'stdin' };
  if (existsSync(configPath)) {
    const loaded = readConfigFile(configPath);
    if (!loaded.ok) throw new KioskError('config-invalid', `${configPath}: ${loaded.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    scannerConfig = loaded.config.scanner;
  }
  const scanner = createScanner(scannerConfig);
  const say = (line: string) => {
    if (!isQuiet) process.stderr.write(`${line}\n`);
  };
  say(`scan the enrollment QR with ${scanner.id} (waiting ${Math.round(timeoutMs / 1000)} s)…`);
  try {
    return await new Promise<EnrollmentQr>((resolve, reject) => {
      const timer = setTimeout(() => reject(new KioskError('enroll-code-invalid', `no enrollment QR scanned within ${Math.round(timeoutMs / 1000)} s; nothing was changed`)), timeoutMs);
      void scanner
        .start({
          onScan: (scan) => {
            const text = new TextDecoder().decode(scan.bytes);
            const found = parseEnrollmentQr(text);
            if (found) {
              clearTimeout(timer);
              resolve(found);
            } else say(`  not an enrollment QR (it starts "${text.slice(0, 24)}"): scan the KIOSK-ENROLL code printed for this venue`);
          },
          onEnd: () => {
            clearTimeout(timer);
            reject(new KioskError('enroll-code-invalid', 'input ended without an enrollment QR; nothing was changed'));
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await scanner.stop();
  }
}
