import type { output, ZodType } from 'zod';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/clock.ts';
import { uploadConfigDefaults } from '../../test/helpers/config.ts';
import { newEntry } from '../../test/helpers/entries.ts';
import type { KioskEvent } from '../../common/events.ts';
import { batchRequestSchema, type BatchRequest } from '../../common/wire.ts';
import type { HttpOutcome, HttpRequester, RequestOptions } from '../http/client.ts';
import { silentLogger } from '../log.ts';
import { Outbox } from '../outbox/outbox.ts';
import { Uploader } from './uploader.ts';

type Script = (body: BatchRequest, attempt: number) => HttpOutcome<unknown>;

/** An HTTP fake that records each batch and answers from a script. */
class ScriptedServer implements HttpRequester {
  readonly bodies: BatchRequest[] = [];
  private readonly script: Script;
  constructor(script: Script) {
    this.script = script;
  }
  async request<S extends ZodType>(options: RequestOptions<S>): Promise<HttpOutcome<output<S>>> {
    // What the server would read: the body must parse under the wire schema.
    const body = batchRequestSchema.parse(JSON.parse(options.jsonBody ?? 'null'));
    this.bodies.push(body);
    return this.script(body, this.bodies.length) as HttpOutcome<output<S>>;
  }
}

const ack = (b: BatchRequest): HttpOutcome<unknown> => ({
  ok: true,
  status: 200,
  value: { batchId: b.batchId, accepted: b.entries.length, duplicates: 0, acked: [{ from: b.entries[0]!.seq, to: b.entries.at(-1)!.seq }], gaps: [], replayed: false },
});

describe('Uploader', () => {
  let uploader: Uploader | undefined;
  let outbox: Outbox | undefined;
  afterEach(async () => {
    await uploader?.stop();
    outbox?.close();
  });

  function setup(script: Script, config: Partial<ReturnType<typeof uploadConfigDefaults>> = {}) {
    outbox = Outbox.open({ path: join(mkdtempSync(join(tmpdir(), 'up-')), 'k.db'), bootId: 'b', nowMs: Date.now });
    const http = new ScriptedServer(script);
    const events: KioskEvent[] = [];
    uploader = new Uploader({
      outbox,
      http,
      config: { ...uploadConfigDefaults(), batchMaxAgeMs: 0, backoffMinMs: 10, backoffMaxMs: 40, ...config },
      clock: systemClock,
      emit: (e) => events.push(e),
      log: silentLogger,
      deviceId: 'd_test',
      random: () => 0.5,
    });
    return { outbox, http, events, uploader };
  }

  it('uploads oldest first and reports each batch', async () => {
    const { outbox, http, events, uploader } = setup(ack, { batchMaxEntries: 2 });
    for (let i = 0; i < 5; i++) outbox.record(newEntry());
    uploader.start();
    expect(await uploader.drain(60_000)).toBe(true);
    expect(http.bodies.map((b) => b.entries.map((e) => e.seq))).toEqual([[1, 2], [3, 4], [5]]);
    expect(events.filter((e) => e.type === 'uploaded').map((e) => (e as { count: number }).count)).toEqual([2, 2, 1]);
    expect(http.bodies.every((b) => b.deviceId === 'd_test')).toBe(true);
  });

  it('retries a failed batch with the same id and entries', async () => {
    const { outbox, http, uploader } = setup((b, n) => (n < 3 ? { ok: false, status: 503, code: 'server-unreachable', message: 'down' } : ack(b)));
    outbox.record(newEntry());
    outbox.record(newEntry());
    uploader.start();
    expect(await uploader.drain(60_000)).toBe(true);
    expect(new Set(http.bodies.map((b) => b.batchId)).size).toBe(1);
    expect(http.bodies).toHaveLength(3);
    expect(http.bodies[2]!.entries.map((e) => e.entryId)).toEqual(http.bodies[0]!.entries.map((e) => e.entryId));
  });

  it('does not advance on an acknowledgement that misses part of the batch', async () => {
    const { outbox, http, uploader } = setup((b, n) =>
      n === 1 ? { ok: true, status: 200, value: { batchId: b.batchId, accepted: 1, duplicates: 0, acked: [{ from: 1, to: 1 }], gaps: [], replayed: false } } : ack(b),
    );
    outbox.record(newEntry());
    outbox.record(newEntry());
    uploader.start();
    expect(await uploader.drain(60_000)).toBe(true);
    expect(http.bodies).toHaveLength(2);
    expect(http.bodies[1]!.batchId).toBe(http.bodies[0]!.batchId);
  });

  it('halves the batch after a 413 and sends every entry exactly once', async () => {
    const { outbox, http, uploader } = setup((b) => (b.entries.length > 2 ? { ok: false, status: 413, code: 'payload-too-large', message: 'too large' } : ack(b)), {
      batchMaxEntries: 8,
    });
    for (let i = 0; i < 8; i++) outbox.record(newEntry());
    uploader.start();
    expect(await uploader.drain(60_000)).toBe(true);
    const accepted = http.bodies.filter((b) => b.entries.length <= 2).flatMap((b) => b.entries.map((e) => e.seq));
    expect(accepted).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('waits at least Retry-After before the next attempt', async () => {
    const times: number[] = [];
    const { outbox, uploader } = setup((b, n) => {
      times.push(performance.now());
      return n === 1 ? { ok: false, status: 429, code: 'rate-limited', message: 'slow down', retryAfterMs: 30 } : ack(b);
    }, { backoffMinMs: 10, backoffMaxMs: 1000 });
    outbox.record(newEntry());
    uploader.start();
    expect(await uploader.drain(60_000)).toBe(true);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(29);
  });
});
