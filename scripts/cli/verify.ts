import { readFileSync } from 'node:fs';
import { KioskError } from '../../common/errors.ts';
import { readTrustFile } from '../../core/dcc/trust-list.ts';
import { inspect } from '../../core/dcc/inspect.ts';
import { parseInstant } from '../../common/time.ts';
import { MAX_PAYLOAD_BYTES } from '../../core/payload/text.ts';
import { fail, printJson } from './output.ts';

async function readStdin(limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).subarray(0, limit + 1);
}

/**
 * `kiosk verify [--json] [--trust FILE] [--at ISO-8601] [--image PNG]`: one payload (standard input,
 * or the QR in a PNG) → stages, payload, verdict. Exits 0 whenever it printed a result, whatever the
 * verdict; 2 for bad usage (unreadable trust file, bad --at).
 */
export async function verifyCommand(o: { json?: boolean; trust?: string; at?: string; image?: string }): Promise<void> {
  try {
    const nowMs = o.at === undefined ? Date.now() : parseInstant(o.at);
    if (nowMs === undefined) throw new KioskError('bad-request', `--at "${o.at ?? ''}" is not an ISO-8601 time (e.g. 2021-06-01T12:00:00Z)`);
    const trust = o.trust === undefined ? null : readTrustFile(o.trust);
    let png: Uint8Array | undefined;
    let text: string | undefined;
    if (o.image !== undefined) {
      try {
        png = readFileSync(o.image);
      } catch (err) {
        throw new KioskError('bad-request', `--image ${o.image}: ${(err as Error).message}`);
      }
    } else {
      // Twice the scanner limit: the parser reports the oversize itself rather than a silent cut.
      text = (await readStdin(2 * MAX_PAYLOAD_BYTES)).toString('utf8');
    }
    const result = inspect({ ...(text === undefined ? {} : { text }), ...(png === undefined ? {} : { png }), trust, nowMs });
    if (o.json) {
      printJson(result);
      return;
    }
    const stages = Object.entries(result.stages)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k} ${v ? 'ok' : 'FAILED'}`)
      .join(', ');
    process.stdout.write(`${result.verdict.toUpperCase()}  ${result.format}  ${result.reasons.join(', ')}\n`);
    if (stages) process.stdout.write(`stages: ${stages}\n`);
    if (result.problem) process.stdout.write(`problem: ${result.problem}\n`);
    if (trust === null && result.format === 'eu-dcc') process.stdout.write('signature not checked: pass --trust FILE (JSON array of {kid, country, rawData})\n');
  } catch (err) {
    fail(err instanceof KioskError && err.code === 'config-invalid' ? new KioskError('bad-request', err.message) : err);
  }
}
