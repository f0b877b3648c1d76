import type { Assurance, Format, Reason } from '../../common/verdict.ts';
import type { Subject } from '../../common/wire.ts';

/**
 * What the payload layer makes of one scan. Pure data: no I/O produced it and no secret is in it
 * beyond what the person showed. Personal fields that tracing does not need (address, date of
 * birth) are never copied here, so nothing downstream can persist them by accident.
 */
export interface Credential {
  readonly format: Format;
  readonly assurance: Assurance;
  /** The identifier the status lookup and the tracing record need; null when unreadable. */
  readonly subject: Subject | null;
  /** The same person's second identifier printed in the same QR (a CCCD's old CMND number, a PC-COVID QR's QID). */
  readonly altSubject?: Subject;
  /** Masked for the guard: family name plus initials. */
  readonly displayName?: string;
  /** Reasons the payload layer already knows (unreadable, unknown-format, scanner-mode-ascii…). */
  readonly reasons: readonly Reason[];
  /** For a technician: why a payload was unreadable (which field, what was expected). */
  readonly problem?: string;
  /** Format-specific facts the decision may use; never personal fields beyond the subject. */
  readonly facts?: Readonly<Record<string, string | number | boolean>>;
}

export function unreadable(problem: string, format: Format = 'unknown', extra: readonly Reason[] = []): Credential {
  return { format, assurance: 'unreadable', subject: null, reasons: ['unreadable', ...extra], problem };
}
