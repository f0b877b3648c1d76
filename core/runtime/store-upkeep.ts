import { statfsSync } from 'node:fs';
import type { Clock } from '../../common/clock.ts';
import type { EventSink } from '../../common/events.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { periodicPart, type TimerPart } from './part.ts';

/** Hourly: uploaded entries older than `retentionDays` go; pending ones never. */
export function createRetention(o: { outbox: Outbox; clock: Clock; log: Logger; retentionDays: number }): TimerPart {
  return periodicPart('retention', 3_600_000, () => {
    try {
      const n = o.outbox.purgeUploaded(o.clock.nowMs() - o.retentionDays * 86_400_000);
      if (n > 0) o.log.info({ purged: n }, 'purged uploaded entries past retention');
    } catch (err) {
      o.log.warn({ err }, 'retention purge failed');
    }
  });
}

/** Every minute: warns the guard and the event stream before the store's disk is full. */
export function createSpaceWatch(o: { dir: string; lowSpaceMiB: number; emit: EventSink; log: Logger }): TimerPart {
  let isLow = false;
  return periodicPart('space-watch', 60_000, () => {
    try {
      const s = statfsSync(o.dir);
      const freeMiB = Math.floor((s.bavail * s.bsize) / 2 ** 20);
      const low = freeMiB < o.lowSpaceMiB;
      if (low !== isLow) o.emit({ type: 'storage', state: low ? 'low' : 'ok', freeMiB });
      isLow = low;
    } catch (err) {
      o.log.warn({ err }, 'cannot read free disk space');
    }
  });
}
