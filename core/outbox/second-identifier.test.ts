import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wireEntrySchema } from '../../common/wire.ts';
import { newEntry } from '../../test/helpers/entries.ts';
import { Outbox } from './outbox.ts';

describe('Outbox second identifier and blind indexes', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-alt-'));
    dirs.push(dir);
    return Outbox.open({ path: join(dir, 'kiosk.db'), bootId: 'boot-a', nowMs: () => Date.UTC(2021, 8, 1, 9) });
  };

  it('uploads the old CMND beside the CCCD, and leaves both fields out of entries without them', () => {
    const box = open();
    box.record(newEntry({ subject: { type: 'cccd', id: '079303001234' }, altSubject: { type: 'cmnd', id: '025123456' } }));
    box.record(newEntry({ subject: null, sealedSubject: 'x'.repeat(80), blindIndex: ['a'.repeat(22), 'b'.repeat(22)] }));
    box.record(newEntry());
    const batch = box.takeBatch(10, 1_000_000);
    const raw = JSON.parse(batch?.entriesJson ?? '[]') as Array<Record<string, unknown>>;
    expect(raw[0]?.altSubject).toEqual({ type: 'cmnd', id: '025123456' });
    expect(raw[1]?.blindIndex).toEqual(['a'.repeat(22), 'b'.repeat(22)]);
    expect(Object.keys(raw[2] ?? {})).not.toContain('altSubject');
    expect(Object.keys(raw[2] ?? {})).not.toContain('blindIndex');
    expect(() => wireEntrySchema.array().parse(raw)).not.toThrow();
    box.close();
  });
});
