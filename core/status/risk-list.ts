import { createHmac } from 'node:crypto';
import type { Clock } from '../../common/clock.ts';
import { RISK_HASH_BYTES, riskHashInput } from '../../common/risk.ts';
import { riskListResponseSchema, type Subject } from '../../common/wire.ts';
import type { HttpRequester } from '../http/client.ts';
import { PeriodicSync } from '../http/periodic-sync.ts';
import type { Logger } from '../log.ts';
import { splitHashes, type RiskListStore } from '../lists/risk-list-store.ts';

/** Answers "is this subject on the synced risk list?" and how old the list is. */
export class RiskList {
  private readonly key: Buffer;
  private readonly store: RiskListStore;
  private readonly clock: Clock;

  constructor(key: string, store: RiskListStore, clock: Clock) {
    this.key = Buffer.from(key, 'base64url');
    this.store = store;
    this.clock = clock;
  }

  hashOf(subject: Subject): Buffer {
    return createHmac('sha256', this.key).update(riskHashInput(subject.type, subject.id)).digest().subarray(0, RISK_HASH_BYTES);
  }

  isListed(subject: Subject): boolean {
    return this.store.has(this.hashOf(subject));
  }

  /** ms since the last complete sync; null when never synced. */
  ageMs(): number | null {
    const { syncedAt } = this.store.state();
    return syncedAt === null ? null : Math.max(0, this.clock.nowMs() - syncedAt);
  }
}

export interface RiskListSyncOptions {
  http: HttpRequester;
  store: RiskListStore;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  requestTimeoutMs?: number;
  onSynced?: (size: number) => void;
}

/**
 * Keeps the risk list current: a paged snapshot the first time (staged, then swapped in whole),
 * net deltas after that. A failed sync leaves the previous list in place and its age growing.
 */
export class RiskListSync extends PeriodicSync {
  private readonly o: RiskListSyncOptions;

  constructor(options: RiskListSyncOptions) {
    super('risk list', options);
    this.o = options;
  }

  protected async sync(signal: AbortSignal): Promise<void> {
    const { store, clock } = this.o;
    let cursor = store.state().cursor;
    if (cursor === 0) {
      let after: string | null = null;
      let isFirst = true;
      let snapshotCursor = 0;
      do {
        const page = await this.fetch(`/v1/risk-list?cursor=0${after ? `&after=${after}` : ''}`, signal);
        if (page.mode !== 'snapshot') throw new Error('expected a snapshot page');
        store.stageSnapshot(splitHashes(page.hashes), isFirst);
        isFirst = false;
        snapshotCursor = page.snapshotCursor;
        after = page.next;
      } while (after !== null);
      // Stamped as synced only when the deltas below also succeed.
      store.commitSnapshot(snapshotCursor, clock.nowMs());
      cursor = snapshotCursor;
    }
    for (;;) {
      const page = await this.fetch(`/v1/risk-list?cursor=${cursor}`, signal);
      if (page.mode !== 'delta') throw new Error('expected a delta page');
      store.applyDelta(splitHashes(page.added), splitHashes(page.removed), page.cursor, page.hasMore ? null : clock.nowMs());
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    this.o.onSynced?.(store.state().size);
  }

  private async fetch(path: string, signal: AbortSignal) {
    const outcome = await this.o.http.request({ method: 'GET', path, schema: riskListResponseSchema, timeoutMs: this.o.requestTimeoutMs ?? 30_000, signal });
    if (!outcome.ok) {
      // A cursor the server no longer knows (list rebuilt): start over with a snapshot.
      if (outcome.status === 400 && /cursor/.test(outcome.message)) this.o.store.applyDelta([], [], 0, null);
      throw new Error(outcome.message);
    }
    return outcome.value;
  }
}
