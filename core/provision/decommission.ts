import { resolve } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import type { KioskConfigInput } from '../../common/config.ts';
import { KioskError } from '../../common/errors.ts';
import { z } from 'zod';
import { HttpClient } from '../http/client.ts';
import { loadDeviceIdentity } from '../identity/device-key.ts';
import { silentLogger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import { writeFileAtomic } from '../runtime/atomic-file.ts';
import { readConfigFile } from '../runtime/config-file.ts';
import { Uploader } from '../upload/uploader.ts';
import { describePending, existingConfig, pendingOf, wipeIdentity } from './provision.ts';

export interface DecommissionResult {
  deviceId: string;
  /** Entries uploaded during decommissioning. */
  uploaded: number;
  /** Entries that never reached the server (only with --force). */
  lostEntries: number;
  /** The server refuses this identity from now on; false when it could not be told (only with --force). */
  isRevoked: boolean;
  wiped: string[];
  configPath: string;
}

const revokedSchema = z.object({ deviceId: z.string(), revokedAt: z.number() });

/**
 * Retires a kiosk: upload what is pending, have the server revoke the identity (a stolen SD card
 * then signs nothing), wipe key and records, and strip the identity from the config (devices and
 * settings stay, ready for `kiosk provision`). Without `force`, any step that would lose data or
 * leave a live key behind stops the whole thing with nothing changed.
 */
export async function decommission(options: { configPath: string; isForced: boolean; uploadTimeoutMs: number }): Promise<DecommissionResult> {
  const configPath = resolve(options.configPath);
  const loaded = readConfigFile(configPath);
  if (!loaded.ok) throw new KioskError('config-invalid', `${configPath}: ${loaded.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}; nothing was changed`);
  const { config } = loaded;
  if (!config.device || !config.server) throw new KioskError('not-provisioned', `${configPath} has no device identity: nothing to decommission`);
  const base = existingConfig(configPath);
  const before = pendingOf(base);

  let uploaded = 0;
  let isRevoked = false;
  let problem: string | undefined;
  try {
    const identity = loadDeviceIdentity(config.device.id, config.device.keyFile);
    const http = new HttpClient({ baseUrl: config.server.url, identity, clock: systemClock });
    if (before.pending > 0) {
      const outbox = Outbox.open({ path: config.store.path, bootId: 'decommission', nowMs: Date.now });
      const uploader = new Uploader({ outbox, http, config: config.upload, clock: systemClock, emit: () => undefined, log: silentLogger, deviceId: config.device.id });
      uploader.start();
      await uploader.drain(options.uploadTimeoutMs);
      await uploader.stop();
      uploaded = before.pending - outbox.stats().pending;
      outbox.close();
    }
    const left = pendingOf(base);
    if (left.pending > 0 && !options.isForced) {
      throw new KioskError('server-unreachable', `${describePending(left)} could not be uploaded to ${config.server.url} within ${options.uploadTimeoutMs / 1000} s; nothing was wiped. Try again when the server is reachable, or pass --force to lose them`);
    }
    const outcome = await http.request({ method: 'POST', path: '/v1/decommission', body: {}, schema: revokedSchema, timeoutMs: 15_000 });
    if (outcome.ok) isRevoked = true;
    else {
      // Already revoked (an earlier, interrupted decommission) counts as revoked.
      isRevoked = outcome.status === 403 && /decommissioned/.test(outcome.message);
      problem = outcome.message;
    }
  } catch (err) {
    if (err instanceof KioskError && err.code === 'server-unreachable') throw err;
    problem = err instanceof Error ? err.message : String(err);
  }
  if (!isRevoked && !options.isForced) {
    throw new KioskError('server-unreachable', `the server could not revoke device ${config.device.id} (${problem ?? 'no answer'}); nothing was wiped. Pass --force to wipe anyway: the server will accept this key until an administrator revokes it`);
  }

  const left = pendingOf(base);
  const { device: _device, ...rest } = base.input;
  const next: KioskConfigInput = { ...rest, ...(base.input.server ? { server: { url: base.input.server.url } } : {}) };
  writeFileAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`);
  const wiped = wipeIdentity(base);
  return { deviceId: config.device.id, uploaded, lostEntries: left.pending, isRevoked, wiped, configPath };
}
