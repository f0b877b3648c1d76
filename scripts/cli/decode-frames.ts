import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { KioskError } from '../../common/errors.ts';
import type { Gray8 } from '../../common/qr/qr-decoder.ts';
import { createNodeFrameDecoder } from './camera-decoder.ts';
import { fail } from './output.ts';

/** frames.json: the frames to read, in order (base names or objects with a `file`). */
const framesJsonSchema = z.union([z.array(z.string()), z.array(z.object({ file: z.string() }).loose()), z.object({ frames: z.array(z.union([z.string(), z.object({ file: z.string() }).loose()])) })]);

/** Binary PGM (P5, maxval 255): header tokens separated by whitespace, comments allowed. */
export function readPgm(bytes: Buffer, name: string): Gray8 {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos] as number))) pos++;
      if (bytes[pos] === 0x23) while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      else break;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos] as number))) pos++;
    return bytes.subarray(start, pos).toString('ascii');
  };
  const magic = token();
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  pos++;
  if (magic !== 'P5') throw new KioskError('bad-request', `${name}: not a binary PGM (P5), found "${magic.slice(0, 8)}"`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 4096 * 4096) throw new KioskError('bad-request', `${name}: bad size ${width}x${height}`);
  if (max !== 255) throw new KioskError('bad-request', `${name}: maxval ${max}, only 8-bit (255) frames are read`);
  if (bytes.length - pos < width * height) throw new KioskError('bad-request', `${name}: truncated (${bytes.length - pos} of ${width * height} pixel bytes)`);
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset + pos, width * height), width, height };
}

/**
 * `kiosk decode-frames DIR [--sequence] [--budget-ms N]`: the camera decoder over every PGM frame of
 * DIR (or those listed in DIR/frames.json), one JSON line per frame: {"file","text","ms"}; `ms`
 * excludes reading the file. Without --sequence each frame is read alone (the passes from the
 * first, within the per-frame budget); with it the frames are one stream, as the camera delivers
 * them. --budget-ms: the per-frame budget (the camera's 10 ms by default; 0: every pass on every
 * frame, as for a photograph where time does not matter). A frame with two different codes prints
 * text null and `"conflict"` (the texts seen); a frame that cannot be read prints `"error"` instead
 * of stopping the run. Exit 0.
 */
export async function decodeFramesCommand(dir: string, o: { isSequence?: boolean; budgetMs?: string } = {}): Promise<void> {
  try {
    if (!existsSync(dir)) throw new KioskError('bad-request', `${dir}: no such directory`);
    const budget = o.budgetMs === undefined ? undefined : Number(o.budgetMs);
    if (budget !== undefined && !(Number.isFinite(budget) && budget >= 0)) throw new KioskError('bad-request', `--budget-ms ${o.budgetMs}: expected a number of milliseconds, 0 for every pass`);
    let files: string[];
    const listPath = join(dir, 'frames.json');
    if (existsSync(listPath)) {
      const parsed = framesJsonSchema.safeParse(JSON.parse(readFileSync(listPath, 'utf8')));
      if (!parsed.success) throw new KioskError('bad-request', `${listPath}: expected an array of file names (or of {"file"}), or {"frames": [...]}`);
      const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.frames;
      files = list.map((f) => (typeof f === 'string' ? f : f.file));
    } else {
      files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.pgm')).sort();
    }
    const decoder = await createNodeFrameDecoder({ stream: o.isSequence === true, ...(budget === undefined ? {} : { budgetMs: budget === 0 ? Infinity : budget }) });
    for (const file of files) {
      const name = basename(file);
      let frame: Gray8;
      try {
        frame = readPgm(readFileSync(join(dir, file)), name);
      } catch (err) {
        process.stdout.write(`${JSON.stringify({ file: name, text: null, ms: 0, error: err instanceof Error ? err.message : String(err) })}\n`);
        continue;
      }
      const read = await decoder.decode(frame);
      const ms = Math.round(read.ms * 100) / 100;
      process.stdout.write(`${JSON.stringify({ file: name, text: read.text, ms, ...(read.conflict ? { conflict: read.conflict } : {}) })}\n`);
    }
  } catch (err) {
    fail(err);
  }
}
