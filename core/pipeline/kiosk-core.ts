import type { Clock } from '../../common/clock.ts';
import { KioskError, serializeError } from '../../common/errors.ts';
import type { EventSink } from '../../common/events.ts';
import type { Direction } from '../../common/verdict.ts';
import type { RawScan, Scanner } from '../../drivers/contracts/scanner.ts';
import type { Actuator } from '../actuation/actuator.ts';
import { decide, type Decision } from '../decision/decide.ts';
import type { VenuePolicy } from '../decision/policy.ts';
import type { Logger } from '../log.ts';
import type { NewEntry, Outbox, StoredRef } from '../outbox/outbox.ts';
import { parsePayload, type DccVerifier } from '../payload/parse.ts';
import { unreadable, type Credential } from '../payload/types.ts';
import type { StatusChecker } from '../status/status-checker.ts';
import type { Uploader } from '../upload/uploader.ts';
import type { BlindIndexer } from '../privacy/blind-index.ts';
import type { SubjectSealer } from '../privacy/seal.ts';
import { v7 as uuidv7 } from 'uuid';

export interface KioskCoreOptions {
  scanner: Scanner;
  actuator: Actuator;
  status: StatusChecker;
  outbox: Outbox;
  uploader?: Uploader;
  policy: VenuePolicy;
  direction: Direction;
  duplicateWindowMs: number;
  clock: Clock;
  /** Boot-monotonic ms for the entries' `monoMs` (see host-facts). */
  bootMonoMs: () => number;
  isClockSynced: () => boolean;
  /** Encrypts subjects to the health authority (privacy option). */
  sealer?: SubjectSealer;
  /** With a sealer: blind indexes of the sealed identifiers under the authority's day keys (docs/tracing.md). */
  blindIndexer?: BlindIndexer;
  emit: EventSink;
  log: Logger;
  /** EU DCC verification (trust list + clock); without it a DCC is denied as unverifiable. */
  verifyDcc?: DccVerifier;
  /** Formats whose subject is not stored (privacy.subjects: none): the entry keeps format and verdict. */
  unstoredSubjects?: ReadonlySet<string>;
  /** Entries kept in memory while the disk refuses writes; beyond this the oldest are lost loudly. */
  maxSpilled?: number;
}

export interface ScanOutcome {
  readonly scan: RawScan;
  readonly entryId: string;
  readonly seq: number | undefined;
  readonly credential: Credential;
  /** As the guard was shown it (with `storage-degraded` when the entry waits in memory). */
  readonly decision: Decision;
  /** Last scanner byte in → verdict known, durable commit included. */
  readonly verdictLatencyMs: number;
  /** Last scanner byte in → gate (or indicator) command written. */
  readonly scanToGateMs: number;
}

export interface CoreCounters {
  scans: number;
  duplicates: number;
  allowed: number;
  denied: number;
  warned: number;
  stored: number;
  storeFailures: number;
  /** Entries waiting in memory for the disk to accept them again. */
  spilled: number;
}

type StorageState = 'ok' | 'full' | 'read-only' | 'failed';

/**
 * The scan pipeline: scan → parse → status → decide → commit → verdict → actuate.
 * Scans are processed one at a time in arrival order, so seq order is scan order and a gate pulse
 * never races the next verdict. The commit precedes the verdict event and the gate: a verdict a
 * guard saw is always in the outbox.
 */
export class KioskCore {
  private readonly o: KioskCoreOptions;
  private queue: Promise<void> = Promise.resolve();
  private readonly recent = new Map<string, number>();
  /** Subject → monotonic time it was last let in (anti-passback); an exit clears it. */
  private readonly lastEntry = new Map<string, number>();
  readonly counters: CoreCounters = { scans: 0, duplicates: 0, allowed: 0, denied: 0, warned: 0, stored: 0, storeFailures: 0, spilled: 0 };
  /** Decided entries the disk refused, oldest first; written before any newer entry. */
  private readonly spill: NewEntry[] = [];
  private storageState: StorageState = 'ok';
  private spillTimer: ReturnType<typeof setInterval> | undefined;
  /** Called after each scan is fully handled (demo summary, bench). */
  onOutcome: ((outcome: ScanOutcome) => void) | undefined;
  private endHandlers: Array<() => void> = [];

  constructor(options: KioskCoreOptions) {
    this.o = options;
  }

  async start(): Promise<void> {
    const { scanner, actuator, emit } = this.o;
    // Outputs reach their safe state before the first scan is accepted.
    await actuator.start();
    this.o.uploader?.start();
    await scanner.start({
      onScan: (scan) => {
        void this.submit(scan);
      },
      onState: (state, detail) =>
        emit(detail === undefined ? { type: 'device', device: 'scanner', id: scanner.id, state } : { type: 'device', device: 'scanner', id: scanner.id, state, detail }),
      onEnd: () => {
        for (const h of this.endHandlers) h();
      },
    });
  }

  /** Registers a handler for the scanner's end of input (stdin closed). */
  onScannerEnd(handler: () => void): void {
    this.endHandlers.push(handler);
  }

  /** Queues a scan; returns a promise for its outcome (undefined when suppressed as a duplicate). */
  submit(scan: RawScan): Promise<ScanOutcome | undefined> {
    if (this.isDuplicate(scan)) {
      this.counters.duplicates++;
      this.o.emit({ type: 'duplicate', scanner: scan.source, at: this.o.clock.nowMs() });
      return Promise.resolve(undefined);
    }
    const result = this.queue.then(() => this.process(scan));
    this.queue = result.then(
      () => undefined,
      (err: unknown) => this.reportBug(err),
    );
    return result;
  }

  /** Resolves once every queued scan has been handled. */
  async whenIdle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  async stop(): Promise<void> {
    await this.o.scanner.stop();
    await this.whenIdle();
    this.flushSpill();
    if (this.spillTimer !== undefined) clearInterval(this.spillTimer);
    if (this.spill.length > 0) {
      this.o.emit({ type: 'error', code: 'storage-failed', message: `${this.spill.length} decided entries could not be stored and are lost at shutdown` });
    }
    await this.o.actuator.stop();
    await this.o.uploader?.stop();
  }

  private async process(scan: RawScan): Promise<ScanOutcome> {
    const { clock, emit, policy, direction } = this.o;
    this.counters.scans++;
    const parsed =
      scan.framing === 'corrupt'
        ? unreadable('the scanner sent a malformed report')
        : parsePayload(scan.bytes, {
            ...(scan.isAsciiOnly === undefined ? {} : { isAsciiOnly: scan.isAsciiOnly }),
            ...(scan.lostChars === undefined ? {} : { lostChars: scan.lostChars }),
            ...(this.o.verifyDcc ? { verifyDcc: this.o.verifyDcc } : {}),
          });
    const isCutShort = parsed.assurance === 'unreadable' && (scan.framing === 'timeout' || scan.framing === 'overflow');
    const credential: Credential = isCutShort ? { ...parsed, reasons: [...parsed.reasons, 'timeout'] } : parsed;
    // A signed certificate is decided on its own signature, offline; its UVCI is not a person to look up.
    const status = credential.subject && credential.format !== 'eu-dcc' ? await this.o.status.check(credential.subject) : null;
    const subjectKey = credential.subject ? `${credential.subject.type}:${credential.subject.id}` : undefined;
    const lastIn = subjectKey === undefined ? undefined : this.lastEntry.get(subjectKey);
    const decision = decide({
      credential,
      status,
      policy,
      direction,
      nowMs: clock.nowMs(),
      sinceLastEntryMs: lastIn === undefined ? null : scan.monoMs - lastIn,
    });
    if (subjectKey !== undefined) this.rememberEntry(subjectKey, direction, decision.verdict, scan.monoMs);

    const entryId = uuidv7();
    const storedSubject = this.o.unstoredSubjects?.has(credential.format) ? null : credential.subject;
    const isSealed = this.o.sealer !== undefined && storedSubject !== null;
    const storedAlt = storedSubject === null ? null : (credential.altSubject ?? null);
    const recordedAt = clock.nowMs();
    const monoMs = this.o.bootMonoMs();
    const clockSynced = this.o.isClockSynced();
    // Frozen: the spill keeps this object until the disk accepts it, so it must stay what was decided.
    const entry: NewEntry = Object.freeze({
      entryId,
      recordedAt,
      monoMs,
      clockSynced,
      direction,
      format: credential.format,
      verdict: decision.verdict,
      reasons: Object.freeze([...decision.reasons]),
      source: decision.source,
      status: decision.status,
      subject: isSealed ? null : storedSubject,
      sealedSubject: isSealed && storedSubject ? (this.o.sealer as SubjectSealer).seal(storedSubject, entryId) : null,
      // Sealed, the second identifier travels only as a blind index: in plain text it would name the person.
      altSubject: isSealed ? null : storedAlt,
      blindIndex: isSealed && storedSubject && this.o.blindIndexer ? this.o.blindIndexer.indexes(storedAlt ? [storedSubject, storedAlt] : [storedSubject], recordedAt) : null,
      dataAgeMs: decision.dataAgeMs,
      latencyMs: round2(performance.now() - scan.monoMs),
    });
    const stored = this.commit(entry);
    // What the guard is shown; the entry keeps the decision's own reasons (when it reaches the disk
    // later, the delay is not a fact about the person).
    const shown: Decision = stored.seq === undefined ? { ...decision, reasons: [...decision.reasons, 'storage-degraded'] } : decision;
    const verdictLatencyMs = round2(performance.now() - scan.monoMs);

    if (stored.seq !== undefined) emit({ type: 'stored', entryId: stored.entryId, seq: stored.seq });
    emit({
      type: 'verdict',
      entryId: stored.entryId,
      ...(stored.seq === undefined ? {} : { seq: stored.seq }),
      format: credential.format,
      verdict: shown.verdict,
      reasons: [...shown.reasons],
      source: shown.source,
      latencyMs: verdictLatencyMs,
      status: shown.status,
      direction,
      ...(credential.displayName ? { displayName: credential.displayName } : {}),
      ...(shown.dataAgeMs === null ? {} : { dataAgeMs: shown.dataAgeMs }),
      ...(credential.format === 'eu-dcc' && credential.facts ? { facts: credential.facts } : {}),
      scanner: scan.source,
      at: entry.recordedAt,
    });
    if (decision.verdict === 'allow') this.counters.allowed++;
    else if (decision.verdict === 'deny') this.counters.denied++;
    else this.counters.warned++;

    const gateAt = await this.o.actuator.act(decision.verdict, stored.entryId, stored.seq);
    const outcome: ScanOutcome = {
      scan,
      entryId: stored.entryId,
      seq: stored.seq,
      credential,
      decision: shown,
      verdictLatencyMs,
      scanToGateMs: round2(gateAt - scan.monoMs),
    };
    this.onOutcome?.(outcome);
    return outcome;
  }

  /**
   * Stores the entry durably. When the disk refuses (full, read-only, failing), the guard still gets
   * a verdict by policy and the entry waits in memory, in order, until the disk accepts writes again;
   * the failure is loud on screen and in events.
   */
  private commit(entry: NewEntry): { entryId: string; seq: number | undefined } {
    const entryId = entry.entryId as string;
    if (this.spill.length > 0) this.flushSpill();
    if (this.spill.length === 0) {
      try {
        const ref: StoredRef = this.o.outbox.record(entry);
        this.counters.stored++;
        this.setStorageState('ok');
        this.o.uploader?.nudge();
        return ref;
      } catch (err) {
        this.onStoreFailure(err);
      }
    }
    this.counters.storeFailures++;
    this.spill.push(entry);
    const max = this.o.maxSpilled ?? 100_000;
    if (this.spill.length > max) {
      const lost = this.spill.shift();
      this.o.emit({ type: 'error', code: 'storage-failed', message: `memory buffer full: entry ${lost?.entryId ?? '?'} is lost` });
    }
    this.counters.spilled = this.spill.length;
    this.spillTimer ??= setInterval(() => this.flushSpill(), 5000);
    return { entryId, seq: undefined };
  }

  /** Writes spilled entries oldest first; stops at the first refusal. */
  private flushSpill(): void {
    while (this.spill.length > 0) {
      const entry = this.spill[0] as NewEntry;
      let ref: StoredRef;
      try {
        ref = this.o.outbox.record(entry);
      } catch (err) {
        this.onStoreFailure(err);
        return;
      }
      this.spill.shift();
      this.counters.stored++;
      this.counters.spilled = this.spill.length;
      this.o.emit({ type: 'stored', entryId: ref.entryId, seq: ref.seq });
    }
    if (this.spillTimer !== undefined) clearInterval(this.spillTimer);
    this.spillTimer = undefined;
    this.setStorageState('ok');
    this.o.uploader?.nudge();
  }

  private onStoreFailure(err: unknown): void {
    const e = serializeError(err);
    const state: StorageState = e.code === 'disk-full' ? 'full' : e.code === 'disk-read-only' ? 'read-only' : 'failed';
    if (state !== this.storageState) {
      this.o.log.error({ code: e.code }, e.message);
      this.o.emit({ type: 'error', code: e.code, message: `${e.message}; verdicts continue, entries wait in memory` });
    }
    this.setStorageState(state);
  }

  private setStorageState(state: StorageState): void {
    if (state === this.storageState) return;
    this.storageState = state;
    this.o.emit({ type: 'storage', state, spilled: this.spill.length });
  }

  private rememberEntry(subjectKey: string, direction: Direction, verdict: Decision['verdict'], atMono: number): void {
    if (direction === 'out') {
      this.lastEntry.delete(subjectKey);
      return;
    }
    const isLetIn = verdict === 'allow' || (verdict === 'warn' && this.o.policy.shouldOpenOnWarn);
    if (!isLetIn) return;
    this.lastEntry.delete(subjectKey);
    this.lastEntry.set(subjectKey, atMono);
    // Bounded: entries older than the window are useless, and the map keeps insertion order.
    const windowMs = this.o.policy.antiPassbackSeconds * 1000;
    for (const [key, at] of this.lastEntry) {
      if (atMono - at <= windowMs && this.lastEntry.size <= 10_000) break;
      this.lastEntry.delete(key);
    }
  }

  private isDuplicate(scan: RawScan): boolean {
    const window = this.o.duplicateWindowMs;
    if (window <= 0) return false;
    const key = `${scan.source}\u0000${Buffer.from(scan.bytes).toString('latin1')}`;
    const last = this.recent.get(key);
    this.recent.set(key, scan.monoMs);
    if (this.recent.size > 256) {
      for (const [k, at] of this.recent) if (scan.monoMs - at > window) this.recent.delete(k);
    }
    return last !== undefined && scan.monoMs - last < window;
  }

  private reportBug(err: unknown): void {
    const e = err instanceof KioskError ? err : new KioskError('internal', `scan pipeline failed: ${String(err)}`, { cause: err });
    this.o.log.error({ err: e }, e.message);
    this.o.emit({ type: 'error', code: e.code, message: e.message });
  }
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
