import { existsSync, readFileSync, rmSync } from 'node:fs';
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
  /** This identity's outbox: each identity has its own, so sequence numbers start at 1 for the server. */
  storePath: string;
  /** Set when a new config file was created with defaults the technician should review. */
  isNewConfig: boolean;
  /** The identity this one replaced, its files wiped; `lostEntries` > 0 only with --force. */
  replaced?: { deviceId: string; lostEntries: number; wiped: string[] };
}

/**
 * One-step enrollment: make an Ed25519 key pair, trade the one-time code for a device identity,
 * then write the key (mode 0600) and the config. Every failure before the final renames leaves the
 * previous files untouched; a new key never overwrites an old one (each identity has its own file).
 */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const configPath = resolve(options.configPath);
  const base = existingConfig(configPath);
  const previous = base.device ? pendingOf(base) : undefined;
  if (previous && previous.pending > 0 && !options.isForced) {
    throw new KioskError(
      'config-invalid',
      `${configPath} belongs to device ${base.device?.id ?? '?'} with ${describePending(previous)}; ` +
        'let `kiosk run` upload them first, or pass --force to re-provision anyway (those entries will never reach the server); nothing was changed',
    );
  }

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

  // Files of the new identity carry its id: nothing of the old one is overwritten, and a power cut
  // before the config rename leaves the old identity working.
  const dir = dirname(configPath);
  const keyFile = join(dir, `device-key.${enrolled.deviceId}.pem`);
  const storeDir = base.storePath ? dirname(base.storePath) : dir;
  const storePath = join(storeDir, `outbox.${enrolled.deviceId}.db`);
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
    store: { ...(base.input.store ?? {}), path: storeDir === dir ? basename(storePath) : storePath },
  };
  // Validate before writing: a config we produce must load.
  const check = configSchema.safeParse(next);
  if (!check.success) throw new KioskError('config-invalid', `refusing to write an invalid config: ${check.error.message}`);
  writeFileAtomic(keyFile, privateKeyPem, 0o600);
  try {
    writeFileAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`);
  } catch (err) {
    rmSync(keyFile, { force: true });
    throw err;
  }
  // The new identity is in place: only now do the old key and records go.
  const replaced = base.device && previous ? { deviceId: base.device.id, lostEntries: previous.pending, wiped: wipeIdentity(base, keyFile, storePath) } : undefined;
  return {
    deviceId: enrolled.deviceId,
    venueId: enrolled.venueId,
    venue: enrolled.venue,
    configPath,
    keyFile,
    storePath,
    isNewConfig: base.isNew,
    ...(replaced ? { replaced } : {}),
  };
}

export interface PendingSummary {
  pending: number;
  oldestPendingAt: number | null;
  lastSeq: number;
}

export function describePending(p: PendingSummary): string {
  if (p.pending === 0) return 'no entries waiting for upload';
  const since = p.oldestPendingAt === null ? '' : ` (recorded since ${new Date(p.oldestPendingAt).toISOString()})`;
  return `${p.pending} entries not yet uploaded${since}`;
}

/** What the outbox of a configured identity still holds for the server. */
export function pendingOf(base: { storePath: string | undefined }): PendingSummary {
  if (!base.storePath || !existsSync(base.storePath)) return { pending: 0, oldestPendingAt: null, lastSeq: 0 };
  const outbox = Outbox.open({ path: base.storePath, bootId: 'provision', nowMs: Date.now });
  try {
    const stats = outbox.stats();
    return { pending: stats.pending, oldestPendingAt: stats.oldestPendingAt, lastSeq: stats.lastSeq };
  } finally {
    outbox.close();
  }
}

/** Deletes an identity's key and outbox (with its WAL files), except the files named in `keep`. */
export function wipeIdentity(base: { input: KioskConfigInput; storePath: string | undefined; configDir: string }, ...keep: string[]): string[] {
  const files: string[] = [];
  const keyFile = base.input.device?.keyFile;
  if (keyFile) files.push(resolve(base.configDir, keyFile));
  if (base.storePath) files.push(base.storePath, `${base.storePath}-wal`, `${base.storePath}-shm`);
  const wiped: string[] = [];
  for (const f of files) {
    if (keep.includes(f) || !existsSync(f)) continue;
    rmSync(f, { force: true });
    wiped.push(f);
  }
  return wiped;
}

export interface BaseConfig {
  input: KioskConfigInput;
  device: KioskConfigInput['device'];
  storePath: string | undefined;
  configDir: string;
  isNew: boolean;
}

export function existingConfig(configPath: string): BaseConfig {
  if (!existsSync(configPath)) {
    // A new kiosk: sensible defaults the technician reviews (scanner and gate kinds).
    const input: KioskConfigInput = {
      store: { path: 'kiosk.db' },
      scanner: { kind: 'stdin' },
      gate: { kind: 'fake' },
    };
    return { input, device: undefined, storePath: undefined, configDir: dirname(configPath), isNew: true };
  }
  const loaded = readConfigFile(configPath);
  if (!loaded.ok) {
    const list = loaded.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new KioskError('config-invalid', `${configPath} is invalid (${list}); fix it or move it away, nothing was changed`, {
      details: { problems: loaded.problems },
    });
  }
  const input = JSON.parse(readFileSync(configPath, 'utf8')) as KioskConfigInput;
  return { input, device: input.device, storePath: loaded.config.store.path, configDir: dirname(configPath), isNew: false };
}
