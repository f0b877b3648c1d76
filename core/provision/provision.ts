import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import { configSchema, type KioskConfigInput } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';
import { enrollResponseSchema, type EnrollResponse } from '../../common/wire.ts';
import { HttpClient } from '../http/client.ts';
import { generateDeviceKey } from '../identity/device-key.ts';
import { Outbox } from '../outbox/outbox.ts';
import { writeFileAtomic } from '../runtime/atomic-file.ts';
import { readConfigFile } from '../runtime/config-file.ts';

export interface ProvisionOptions {
  serverUrl: string;
  code: string;
  configPath: string;
  name?: string;
  /** Re-provision even though entries of the previous identity are not uploaded (they are dropped). */
  isForced?: boolean;
  timeoutMs?: number;
}

export interface ProvisionResult {
  deviceId: string;
  venueId: string;
  venue: EnrollResponse['venue'];
  configPath: string;
  keyFile: string;
  /** Set when a new config file was created with defaults the technician should review. */
  isNewConfig: boolean;
}

/**
 * One-step enrollment: make an Ed25519 key pair, trade the one-time code for a device identity,
 * then write the key (mode 0600) and the config. Every failure before the final renames leaves the
 * previous files untouched; a new key never overwrites an old one (each identity has its own file).
 */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const configPath = resolve(options.configPath);
  const base = existingConfig(configPath);
  if (base.device && !options.isForced) refuseIfPending(base, configPath);

  const { privateKeyPem, publicKeyRaw } = generateDeviceKey();
  const http = new HttpClient({ baseUrl: options.serverUrl, clock: systemClock });
  const outcome = await http.request({
    method: 'POST',
    path: '/v1/enroll',
    body: { code: options.code.trim(), publicKey: publicKeyRaw, ...(options.name ? { name: options.name } : {}) },
    schema: enrollResponseSchema,
    timeoutMs: options.timeoutMs ?? 15_000,
  });
  if (!outcome.ok) {
    const code = outcome.code.startsWith('enroll-code') ? outcome.code : outcome.status === null ? 'server-unreachable' : 'server-rejected';
    throw new KioskError(code, `enrollment at ${options.serverUrl} failed: ${outcome.message}; nothing was changed`);
  }
  const enrolled = outcome.value;

  const keyFile = join(dirname(configPath), `device-key.${enrolled.deviceId}.pem`);
  writeFileAtomic(keyFile, privateKeyPem, 0o600);
  const next: KioskConfigInput = {
    ...base.input,
    server: { ...(base.input.server ?? {}), url: options.serverUrl, publicKey: enrolled.serverPublicKey },
    device: {
      ...(base.input.device?.direction ? { direction: base.input.device.direction } : {}),
      id: enrolled.deviceId,
      venueId: enrolled.venueId,
      keyFile: basename(keyFile),
      riskListKey: enrolled.riskListKey,
    },
    venue: { ...(base.input.venue ?? {}), kind: enrolled.venue.kind, name: enrolled.venue.name },
  };
  // Validate before writing: a config we produce must load.
  const check = configSchema.safeParse(next);
  if (!check.success) throw new KioskError('config-invalid', `refusing to write an invalid config: ${check.error.message}`);
  writeFileAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`);
  return {
    deviceId: enrolled.deviceId,
    venueId: enrolled.venueId,
    venue: enrolled.venue,
    configPath,
    keyFile,
    isNewConfig: base.isNew,
  };
}

interface BaseConfig {
  input: KioskConfigInput;
  device: KioskConfigInput['device'];
  storePath: string | undefined;
  isNew: boolean;
}

function existingConfig(configPath: string): BaseConfig {
  if (!existsSync(configPath)) {
    // A new kiosk: sensible defaults the technician reviews (scanner and gate kinds).
    const input: KioskConfigInput = {
      store: { path: 'kiosk.db' },
      scanner: { kind: 'stdin' },
      gate: { kind: 'fake' },
    };
    return { input, device: undefined, storePath: join(dirname(configPath), 'kiosk.db'), isNew: true };
  }
  const loaded = readConfigFile(configPath);
  if (!loaded.ok) {
    const list = loaded.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new KioskError('config-invalid', `${configPath} is invalid (${list}); fix it or move it away, nothing was changed`, {
      details: { problems: loaded.problems },
    });
  }
  const input = JSON.parse(readFileSync(configPath, 'utf8')) as KioskConfigInput;
  return { input, device: input.device, storePath: loaded.config.store.path, isNew: false };
}

function refuseIfPending(base: BaseConfig, configPath: string): void {
  if (!base.storePath || !existsSync(base.storePath)) return;
  const outbox = Outbox.open({ path: base.storePath, bootId: 'provision', nowMs: Date.now });
  try {
    const { pending } = outbox.stats();
    if (pending > 0) {
      throw new KioskError(
        'config-invalid',
        `${configPath} belongs to device ${base.device?.id ?? '?'} with ${pending} entries not yet uploaded; ` +
          'let `kiosk run` upload them first, or pass --force to re-provision anyway (those entries will never reach the server)',
      );
    }
  } finally {
    outbox.close();
  }
}
