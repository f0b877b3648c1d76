import { VENUE_KINDS, type VenueKind } from '../../common/wire.ts';
import type { Credential } from '../payload/types.ts';
import { decide, type Decision, type StatusAnswer } from './decide.ts';
import { DEFAULT_POLICIES } from './policy.ts';

/**
 * The decision table of the default policies: venue kind × person's status × online/offline.
 * Offline, the kiosk cannot learn the status; a red or flagged person is on the synced risk list,
 * the others are decided by the offline rule. The same function feeds the table-driven test and
 * docs/policy.md, so the document cannot drift from the code.
 */
export const TABLE_STATUSES = ['green', 'green, stale', 'yellow', 'unknown', 'red', 'F1'] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];
export const MODES = ['online', 'offline'] as const;
export type Mode = (typeof MODES)[number];

export interface TableCell {
  kind: VenueKind;
  status: TableStatus;
  mode: Mode;
  decision: Decision;
}

const NOW = Date.UTC(2021, 8, 15, 3);
const person: Credential = { format: 'vn-cccd', assurance: 'identity-only', subject: { type: 'cccd', id: '079303001234' }, reasons: [] };

function answerFor(status: TableStatus, mode: Mode): StatusAnswer {
  const isFlagged = status === 'red' || status === 'F1';
  if (mode === 'offline') {
    return isFlagged
      ? { source: 'risk-list', status: 'red', flags: status === 'F1' ? ['F1'] : [], declaredAt: null, dataAgeMs: 3_600_000 }
      : { source: 'offline', status: 'unknown', flags: [], declaredAt: null, dataAgeMs: 3_600_000 };
  }
  switch (status) {
    case 'green':
      return { source: 'online', status: 'green', flags: [], declaredAt: NOW - 3_600_000, dataAgeMs: null };
    case 'green, stale':
      return { source: 'online', status: 'green', flags: [], declaredAt: NOW - 5 * 86_400_000, dataAgeMs: null };
    case 'yellow':
      return { source: 'online', status: 'yellow', flags: [], declaredAt: NOW - 3_600_000, dataAgeMs: null };
    case 'unknown':
      return { source: 'online', status: 'unknown', flags: [], declaredAt: null, dataAgeMs: null };
    case 'red':
      return { source: 'online', status: 'red', flags: ['F0'], declaredAt: NOW - 3_600_000, dataAgeMs: null };
    case 'F1':
      return { source: 'online', status: 'green', flags: ['F1'], declaredAt: NOW - 3_600_000, dataAgeMs: null };
    default:
      return { source: 'offline', status: 'unknown', flags: [], declaredAt: null, dataAgeMs: null };
  }
}

export function policyTable(): TableCell[] {
  const cells: TableCell[] = [];
  for (const kind of VENUE_KINDS) {
    for (const status of TABLE_STATUSES) {
      for (const mode of MODES) {
        const decision = decide({ credential: person, status: answerFor(status, mode), policy: DEFAULT_POLICIES[kind], direction: 'in', nowMs: NOW, sinceLastEntryMs: null });
        cells.push({ kind, status, mode, decision });
      }
    }
  }
  return cells;
}

const MARK = { allow: '✓ allow', warn: '! warn', deny: '✗ deny' } as const;

/** The markdown table of docs/policy.md. */
export function policyTableMarkdown(): string {
  const cells = policyTable();
  const header = ['venue kind', ...TABLE_STATUSES.flatMap((s) => MODES.map((m) => `${s} (${m})`))];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const kind of VENUE_KINDS) {
    const row = TABLE_STATUSES.flatMap((s) => MODES.map((m) => cells.find((c) => c.kind === kind && c.status === s && c.mode === m)?.decision.verdict ?? 'deny'));
    lines.push(`| ${kind} | ${row.map((v) => MARK[v]).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The defaults of each venue kind, as a markdown table (docs/policy.md). */
export function policyDefaultsMarkdown(): string {
  const keys = ['requirement', 'declarationMaxAgeHours', 'yellowAction', 'unknownAction', 'staleAction', 'offlineAction', 'antiPassbackSeconds', 'shouldOpenOnWarn'] as const;
  const lines = [`| venue kind | ${keys.join(' | ')} |`, `| --- | ${keys.map(() => '---').join(' | ')} |`];
  for (const kind of VENUE_KINDS) lines.push(`| ${kind} | ${keys.map((k) => String(DEFAULT_POLICIES[kind][k])).join(' | ')} |`);
  return lines.join('\n');
}
