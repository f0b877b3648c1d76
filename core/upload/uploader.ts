import type { Clock } from '../../common/clock.ts';
import type { UploadConfig } from '../../common/config.ts';
import type { EventSink } from '../../common/events.ts';
import { batchResponseSchema, passagesResponseSchema, type BatchResponse } from '../../common/wire.ts';
import type { HttpRequester } from '../http/client.ts';
import type { Logger } from '../log.ts';
import type { Outbox, OutboxBatch } from '../outbox/outbox.ts';

export interface UploaderOptions {
  outbox: Outbox;
  http: HttpRequester;
  config: UploadConfig;
  clock: Clock;
  emit: EventSink;
  log: Logger;
  deviceId: string;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
  requestTimeoutMs?: number;
}

/**
 * Moves committed entries to the server, oldest first, one batch at a time, exactly once:
 * a batch is written to the outbox before it is sent and keeps its id across retries and restarts,
 * and the server deduplicates on batch id and entry id. Only a response acknowledging the whole
 * seq range advances the watermark.
 */
export class Uploader {
  private readonly o: UploaderOptions;
  private isRunning = false;
  /** Ends the current wait early: set by `idle`, called by `nudge` (unless backing off) and `stop`. */
  private wake: (() => void) | undefined;
  private isBackingOff = false;
  private loopDone: Promise<void> = Promise.resolve();
  private failures = 0;
  /** Lowered after a 413 so the next batches fit the server's body limit. */
  private maxEntries: number | undefined;
  private lastErrorLogMs = -Infinity;

  constructor(options: UploaderOptions) {
    this.o = options;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.loopDone = this.loop();
  }

  /** An entry was stored: the loop may have a batch to form. */
  nudge(): void {
    // New entries do not shorten a backoff: the server asked for (or needs) the pause.
    if (!this.isBackingOff) this.wake?.();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Resolves true once nothing is pending, false if `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.o.clock.monoMs() + timeoutMs;
    while (this.o.outbox.stats().pending > 0) {
      if (this.o.clock.monoMs() >= deadline) return false;
      this.nudge();
      await sleep(20);
    }
    return true;
  }

  private async loop(): Promise<void> {
    const { outbox, config, clock } = this.o;
    while (this.isRunning) {
      const stats = outbox.stats();
      if (stats.pending === 0) {
        if (!(await this.sendPassages())) await this.idle(5_000);
        continue;
      }
      if (stats.pending < config.batchMaxEntries && stats.oldestPendingAt !== null) {
        const waitMs = stats.oldestPendingAt + config.batchMaxAgeMs - clock.nowMs();
        // Let a few companions join; bounded by the age limit (and by a wrong clock: at most maxAge).
        if (waitMs > 0) {
          await this.idle(Math.min(waitMs, config.batchMaxAgeMs));
          if (!this.isRunning) break;
          if (outbox.stats().pending < config.batchMaxEntries && waitMs > 5) continue;
        }
      }
      const batch = outbox.takeBatch(this.maxEntries ?? config.batchMaxEntries, config.batchMaxBytes);
      if (!batch) continue;
      const ok = await this.send(batch);
      if (ok) {
        this.failures = 0;
      } else {
        this.failures++;
        this.isBackingOff = true;
        await this.idle(this.backoffMs());
        this.isBackingOff = false;
      }
    }
  }

  private async send(batch: OutboxBatch): Promise<boolean> {
    const { http, outbox, emit } = this.o;
    const outcome = await http.request({
      method: 'POST',
      path: '/v1/batches',
      // Assembled as text: the entries arrive from the outbox as finished JSON.
      jsonBody: `{"batchId":${JSON.stringify(batch.batchId)},"deviceId":${JSON.stringify(this.o.deviceId)},"timeAnchors":${JSON.stringify(batch.timeAnchors)},"entries":${batch.entriesJson}}`,
      shouldGzip: true,
      schema: batchResponseSchema,
      timeoutMs: this.o.requestTimeoutMs ?? 30_000,
      headers: { 'idempotency-key': batch.batchId },
    });
    if (!outcome.ok && outcome.code === 'payload-too-large' && batch.count > 1) {
      // Refused whole, nothing stored: re-form smaller batches from the same entries.
      outbox.abandonBatch(batch.batchId);
      this.maxEntries = Math.max(1, Math.floor(batch.count / 2));
      this.o.log.warn({ maxEntries: this.maxEntries }, 'server refused the batch as too large; halving the batch size');
      return true;
    }
    if (!outcome.ok) {
      this.retryAfterMs = outcome.retryAfterMs;
      this.logFailure(`upload of batch ${batch.batchId} (seq ${batch.fromSeq}-${batch.toSeq}) failed: ${outcome.message}`, outcome.code);
      return false;
    }
    if (!covers(outcome.value, batch)) {
      this.logFailure(`server acknowledged ${JSON.stringify(outcome.value.acked)}, not seq ${batch.fromSeq}-${batch.toSeq}`, 'server-rejected');
      return false;
    }
    outbox.ackBatch(batch.batchId);
    emit({
      type: 'uploaded',
      batchId: batch.batchId,
      count: batch.count,
      fromSeq: batch.fromSeq,
      toSeq: batch.toSeq,
      duplicates: outcome.value.duplicates,
    });
    return true;
  }

  /**
   * Closed-loop outcomes of entries the server already holds. Resolves true when some were sent
   * (the loop looks again at once), false when there were none or sending failed (it idles).
   */
  private async sendPassages(): Promise<boolean> {
    const passages = this.o.outbox.unsentPassages(500);
    if (passages.length === 0) return false;
    const outcome = await this.o.http.request({
      method: 'POST',
      path: '/v1/passages',
      body: { deviceId: this.o.deviceId, passages: passages.map(({ entryId, passed, at }) => ({ entryId, passed, at })) },
      schema: passagesResponseSchema,
      timeoutMs: this.o.requestTimeoutMs ?? 30_000,
    });
    if (!outcome.ok) {
      this.logFailure(`passages upload failed: ${outcome.message}`, outcome.code);
      return false;
    }
    // Unknown ones are kept as sent too: the server lost those entries, and retrying cannot help.
    if (outcome.value.unknown.length > 0) this.o.log.warn({ unknown: outcome.value.unknown.length }, 'server does not hold some entries of passages');
    this.o.outbox.markPassagesSent(passages.map((p) => p.seq));
    return true;
  }

  private retryAfterMs: number | undefined;

  /** Exponential backoff with full jitter; a server's Retry-After is a floor. */
  private backoffMs(): number {
    const { backoffMinMs, backoffMaxMs } = this.o.config;
    const ceiling = Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.min(this.failures - 1, 20));
    const jittered = backoffMinMs / 2 + (this.o.random ?? Math.random)() * (ceiling - backoffMinMs / 2);
    const floor = this.retryAfterMs ?? 0;
    this.retryAfterMs = undefined;
    return Math.max(jittered, Math.min(floor, backoffMaxMs));
  }

  /** Failures repeat every few seconds while offline: report the first, then at most once a minute. */
  private logFailure(message: string, code: string): void {
    const now = this.o.clock.monoMs();
    if (now - this.lastErrorLogMs < 60_000) return;
    this.lastErrorLogMs = now;
    this.o.log.warn({ code }, message);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function covers(response: BatchResponse, batch: OutboxBatch): boolean {
  return response.acked.some((r) => r.from <= batch.fromSeq && r.to >= batch.toSeq);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
