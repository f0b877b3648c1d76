import type { Clock } from '../../common/clock.ts';
import { statusResponseSchema, type Subject } from '../../common/wire.ts';
import type { StatusAnswer } from '../decision/decide.ts';
import type { HttpOutcome, HttpRequester } from '../http/client.ts';
import type { RiskList } from './risk-list.ts';
import { OFFLINE_ANSWER, type StatusChecker } from './status-checker.ts';

export interface HttpStatusCheckerOptions {
  http: HttpRequester;
  clock: Clock;
  /** End-to-end budget of one check, retry included. */
  budgetMs: number;
  cacheTtlMs: number;
  cacheMaxEntries?: number;
  /** Connectivity changed (first failure after success, first success after failure). */
  onConnectivity?: (isOnline: boolean, detail: string) => void;
  /** Consulted when the server cannot answer: a listed person is denied offline. */
  riskList?: RiskList;
}

interface CacheEntry {
  answer: StatusAnswer;
  fetchedAtMono: number;
  ttlMs: number;
}

/** A second attempt only makes sense when this much budget is left. */
const MIN_RETRY_BUDGET_MS = 40;

/**
 * Online lookup at `POST /v1/status` within a strict budget; answers are cached for their TTL.
 * The request carries only the subject identifier, never the name.
 */
export class HttpStatusChecker implements StatusChecker {
  private readonly options: HttpStatusCheckerOptions;
  private readonly cache = new Map<string, CacheEntry>();
  private online = true;
  /** A server that sent Retry-After is left alone until then: lookups go straight to the offline path. */
  private suspendedUntilMono = -Infinity;

  constructor(options: HttpStatusCheckerOptions) {
    this.options = options;
  }

  get isOnline(): boolean {
    return this.online;
  }

  async check(subject: Subject): Promise<StatusAnswer> {
    const { clock, budgetMs } = this.options;
    const key = `${subject.type}:${subject.id}`;
    const startMono = clock.monoMs();
    const cached = this.cache.get(key);
    if (cached && startMono - cached.fetchedAtMono < cached.ttlMs) {
      return { ...cached.answer, source: 'cache', dataAgeMs: Math.round(startMono - cached.fetchedAtMono) };
    }

    if (startMono < this.suspendedUntilMono) return this.fallback(subject, cached, startMono);
    const deadline = startMono + budgetMs;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budgetExpired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), budgetMs);
    });
    try {
      const attempt = async (): Promise<HttpOutcome<StatusAnswerWire>> => {
        const first = await this.lookup(subject, deadline - clock.monoMs(), controller.signal);
        // No retry for an answer that will not change, or a server that asked for a pause.
        if (first.ok || first.retryAfterMs !== undefined || first.status === 400 || first.status === 401 || first.status === 403 || first.status === 429) return first;
        const left = deadline - clock.monoMs();
        return left >= MIN_RETRY_BUDGET_MS ? this.lookup(subject, left, controller.signal) : first;
      };
      const outcome = await Promise.race([attempt(), budgetExpired]);
      if (outcome === 'expired') {
        controller.abort();
        this.setOnline(false, `status lookup exceeded its ${budgetMs} ms budget`);
        return this.fallback(subject, cached, startMono);
      }
      if (!outcome.ok) {
        if (outcome.retryAfterMs !== undefined) this.suspendedUntilMono = clock.monoMs() + Math.min(outcome.retryAfterMs, 600_000);
        this.setOnline(false, outcome.message);
        return this.fallback(subject, cached, startMono);
      }
      this.setOnline(true, 'status lookup answered');
      const answer: StatusAnswer = {
        source: 'online',
        status: outcome.value.status,
        flags: outcome.value.flags,
        declaredAt: outcome.value.declaredAt,
        dataAgeMs: null,
      };
      this.remember(key, { answer, fetchedAtMono: clock.monoMs(), ttlMs: Math.min(outcome.value.ttlMs, this.options.cacheTtlMs) });
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  private lookup(subject: Subject, timeoutMs: number, signal: AbortSignal): Promise<HttpOutcome<StatusAnswerWire>> {
    return this.options.http.request({
      method: 'POST',
      path: '/v1/status',
      body: { subject },
      schema: statusResponseSchema,
      timeoutMs: Math.max(1, Math.floor(timeoutMs)),
      signal,
    });
  }

  /**
   * Offline: a stale "red" still denies (safe); the risk list denies a listed person; otherwise the
   * offline rule decides, told how old the risk list is. A stale "green" never allows.
   */
  private fallback(subject: Subject, cached: CacheEntry | undefined, nowMono: number): StatusAnswer {
    if (cached && (cached.answer.status === 'red' || cached.answer.flags.length > 0)) {
      return { ...cached.answer, source: 'cache', dataAgeMs: Math.round(nowMono - cached.fetchedAtMono) };
    }
    const list = this.options.riskList;
    if (!list) return OFFLINE_ANSWER;
    const ageMs = list.ageMs();
    if (list.isListed(subject)) return { source: 'risk-list', status: 'red', flags: [], declaredAt: null, dataAgeMs: ageMs };
    return { ...OFFLINE_ANSWER, dataAgeMs: ageMs };
  }

  private remember(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    const max = this.options.cacheMaxEntries ?? 10_000;
    if (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  private setOnline(isOnline: boolean, detail: string): void {
    if (this.online === isOnline) return;
    this.online = isOnline;
    this.options.onConnectivity?.(isOnline, detail);
  }
}

type StatusAnswerWire = ReturnType<typeof statusResponseSchema.parse>;
