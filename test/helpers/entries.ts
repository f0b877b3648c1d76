import { v7 as uuidv7 } from 'uuid';
import type { WireEntry } from '../../common/wire.ts';
import type { NewEntry } from '../../core/outbox/outbox.ts';

/** An entry as the kiosk core hands it to the outbox. */
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

/** 1 September 2021, 08:00 in Vietnam: the default day of a test entry. */
export const T_2021_09_01 = Date.UTC(2021, 8, 1, 1);

/**
 * One entry as a kiosk uploads it: a declared (green) CCCD holder let in, online. Every field a test
 * cares about is an override; the seq picks the defaults that must differ between entries.
 */
export function wireEntry(seq: number, over: Partial<WireEntry> = {}): WireEntry {
  return {
    entryId: uuidv7(),
    seq,
    recordedAt: T_2021_09_01 + seq * 1000,
    bootId: 'boot-1',
    monoMs: 10_000 + seq,
    clockSynced: true,
    direction: 'in',
    format: 'vn-cccd',
    verdict: 'allow',
    reasons: ['status-green'],
    source: 'online',
    status: 'green',
    subject: { type: 'cccd', id: `07930300${String(seq).padStart(4, '0')}` },
    dataAgeMs: null,
    latencyMs: 3.5,
    correctedAt: null,
    sealedSubject: null,
    ...over,
  };
}
