import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** The kernel's id of this boot: entries of one boot share a monotonic clock (time repair, issue 7). */
export function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // Not Linux (developer laptop): a per-process id keeps the monotonic-clock grouping honest.
    return `proc-${randomUUID()}`;
  }
}

/**
 * Milliseconds of CLOCK_MONOTONIC, which counts from boot (libuv's hrtime): unlike
 * `performance.now()` it does not restart with the process, so boot id + this value orders and
 * re-times entries across core restarts within one boot.
 */
export function bootMonoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The process's peak resident set (VmHWM) in MiB; undefined where /proc is missing. */
export function peakRssMiB(): number | undefined {
  try {
    const kib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    return Number.isFinite(kib) ? Math.round(kib / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True once systemd-timesyncd has synchronised the clock since boot (the flag file it creates);
 * cached briefly because it is asked once per scan.
 */
export function clockSyncProbe(flagFile = '/run/systemd/timesync/synchronized', cacheMs = 10_000): () => boolean {
  let checkedAt = -Infinity;
  let value = false;
  return () => {
    const now = performance.now();
    if (now - checkedAt > cacheMs) {
      value = existsSync(flagFile);
      checkedAt = now;
    }
    return value;
  };
}
