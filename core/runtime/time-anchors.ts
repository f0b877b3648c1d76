import type { Clock } from '../../common/clock.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { periodicPart, type TimerPart } from './part.ts';

const NTP_POLL_MS = 10_000;
const SERVER_ANCHOR_EVERY_MS = 10 * 60_000;

export interface TimeAnchors extends TimerPart {
  /** For the HTTP client: the server's signed time `serverMs`, received at boot-monotonic `atMono`. */
  readonly onServerTime: (serverMs: number, atMono: number) => void;
}

/**
 * Trustworthy times for this boot, from which the server re-times entries made with an unsynchronised
 * clock: NTP synchronisation once per boot (polled every 10 s until it happens), else the server's
 * signed time at most every 10 minutes.
 */
export function createTimeAnchors(o: { outbox: Outbox; clock: Clock; bootMonoMs: () => number; isClockSynced: () => boolean }): TimeAnchors {
  let hasNtpAnchor = false;
  let lastServerAnchorMono = -Infinity;
  const poll = periodicPart('time-anchors', NTP_POLL_MS, () => {
    if (hasNtpAnchor || !o.isClockSynced()) return;
    hasNtpAnchor = true;
    o.outbox.setTimeAnchor(o.bootMonoMs(), o.clock.nowMs(), 'ntp');
  });
  return {
    ...poll,
    onServerTime: (serverMs, atMono) => {
      if (hasNtpAnchor || atMono - lastServerAnchorMono < SERVER_ANCHOR_EVERY_MS) return;
      lastServerAnchorMono = atMono;
      o.outbox.setTimeAnchor(atMono, serverMs, 'server');
    },
  };
}
