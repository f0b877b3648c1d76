import type { NewEntry } from '../../core/outbox/outbox.ts';

export function newEntry(overrides: Partial<NewEntry> = {}): NewEntry {
  return {
    recordedAt: Date.UTC(2021, 8, 1, 8),
    monoMs: 123.4,
    clockSynced: true,
    direction: 'in',
    format: 'vn-cccd',
    verdict: 'allow',
    reasons: ['status-green'],
    source: 'online',
    status: 'green',
    subject: { type: 'cccd', id: '079303001234' },
    dataAgeMs: null,
    latencyMs: 3.2,
    ...overrides,
  };
}
