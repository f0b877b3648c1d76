import type { Subject } from '../../common/wire.ts';
import type { StatusAnswer } from '../decision/decide.ts';

/**
 * Learns a person's declaration status. Obligation: `check` resolves within its configured budget
 * (plus timer slack) and never rejects; when it cannot learn the status it answers
 * `{ source: 'offline', status: 'unknown' }` and the venue's offline rule decides.
 */
export interface StatusChecker {
  check(subject: Subject): Promise<StatusAnswer>;
  /** True while the last lookups reached the server. */
  readonly isOnline: boolean;
}

export const OFFLINE_ANSWER: StatusAnswer = Object.freeze({
  source: 'offline',
  status: 'unknown',
  flags: [],
  declaredAt: null,
  dataAgeMs: null,
});

/** No server configured (not provisioned): every decision comes from the offline rule. */
export class OfflineStatusChecker implements StatusChecker {
  readonly isOnline = false;
  async check(): Promise<StatusAnswer> {
    return OFFLINE_ANSWER;
  }
}

/** Answers from a table; tests and the bench use it. */
export class FakeStatusChecker implements StatusChecker {
  isOnline = true;
  readonly calls: Subject[] = [];
  private readonly table = new Map<string, StatusAnswer>();

  set(subject: Subject, answer: Partial<StatusAnswer>): void {
    this.table.set(`${subject.type}:${subject.id}`, { ...OFFLINE_ANSWER, source: 'online', ...answer });
  }

  async check(subject: Subject): Promise<StatusAnswer> {
    this.calls.push(subject);
    if (!this.isOnline) return OFFLINE_ANSWER;
    return this.table.get(`${subject.type}:${subject.id}`) ?? { ...OFFLINE_ANSWER, source: 'online' };
  }
}
