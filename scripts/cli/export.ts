import { closeSync, existsSync, openSync, renameSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { KioskError } from '../../common/errors.ts';
import { parseInstant } from '../../common/time.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { loadConfigFile } from '../../core/runtime/config-file.ts';
import { fail } from './output.ts';

/** Dates without an offset are the venue's own: Vietnam time. */
const VIETNAM = '+07:00';

const COLUMNS = ['seq', 'entryId', 'recordedAt', 'correctedAt', 'direction', 'format', 'verdict', 'reasons', 'source', 'status', 'subjectType', 'subjectId', 'sealed', 'uploaded'] as const;

/**
 * `kiosk export --config FILE --from --to --format csv|json [--out FILE]`: the venue's own records
 * on this kiosk (uploaded or not), streamed. With `--out` the file appears whole or not at all.
 */
export async function exportCommand(o: { config: string; from: string; to: string; format: 'csv' | 'json'; out?: string }): Promise<void> {
  let tmp: string | undefined;
  try {
    const fromMs = parseInstant(o.from, VIETNAM);
    const toMs = parseInstant(o.to, VIETNAM);
    if (fromMs === undefined) throw new KioskError('bad-request', `--from "${o.from}" is not a date or time (e.g. 2021-09-01 or 2021-09-01T07:00:00+07:00)`);
    if (toMs === undefined) throw new KioskError('bad-request', `--to "${o.to}" is not a date or time`);
    if (toMs <= fromMs) throw new KioskError('bad-request', `--to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`);
    const config = loadConfigFile(o.config);
    if (!existsSync(config.store.path)) throw new KioskError('config-invalid', `no records at ${config.store.path} (store.path): this kiosk has not recorded anything yet`);
    const outbox = Outbox.open({ path: config.store.path, bootId: 'export', nowMs: Date.now });
    tmp = o.out === undefined ? undefined : `${o.out}.tmp-${process.pid}`;
    const fd = tmp === undefined ? 1 : openSync(tmp, 'wx', 0o600);
    const write = (s: string) => writeSync(fd, s);
    let n = 0;
    try {
      if (o.format === 'csv') write(stringify([[...COLUMNS]]));
      else write('[');
      for (const { entry, isUploaded } of outbox.entriesRecordedBetween(fromMs, toMs)) {
        if (o.format === 'json') {
          write(`${n === 0 ? '' : ','}\n${JSON.stringify({ ...entry, uploaded: isUploaded })}`);
        } else {
          const subject = entry.subject;
          const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : '');
          write(
            stringify([
              [entry.seq, entry.entryId, iso(entry.recordedAt), iso(entry.correctedAt), entry.direction, entry.format, entry.verdict, entry.reasons.join(';'), entry.source, entry.status, subject?.type ?? '', subject?.id ?? '', entry.sealedSubject ? 'yes' : 'no', isUploaded ? 'yes' : 'no'],
            ]),
          );
        }
        n++;
      }
      if (o.format === 'json') write(`${n === 0 ? '' : '\n'}]\n`);
    } finally {
      outbox.close();
      if (fd !== 1) closeSync(fd);
    }
    if (tmp !== undefined && o.out !== undefined) {
      renameSync(tmp, o.out);
      tmp = undefined;
      process.stderr.write(`exported ${n} entries to ${o.out}\n`);
    }
  } catch (err) {
    if (tmp !== undefined) {
      try {
        (await import('node:fs')).rmSync(tmp, { force: true });
      } catch {
        // Best effort: the temporary name never shadows the real file.
      }
    }
    fail(err);
  }
}
