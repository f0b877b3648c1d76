import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { rgbaToGray8, type Gray8 } from '../../common/qr/qr-decoder.ts';

/** ZXing's camera-made black-box pictures (test/fixtures/qr-photos/README.md). */
export const PHOTOS_DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'qr-photos');

export interface Photo {
  set: string;
  name: string;
  text: string;
  /** False for the Japanese pictures (text not ASCII, mostly Shift_JIS in the code): not a UTF-8 set. */
  isUtf8Set: boolean;
  image: Gray8;
}

export function* photos(dir = PHOTOS_DIR): Generator<Photo> {
  for (const set of readdirSync(dir).filter((d) => d.startsWith('qrcode-')).sort()) {
    for (const file of readdirSync(join(dir, set)).filter((f) => f.endsWith('.png')).sort()) {
      const text = readFileSync(join(dir, set, file.replace(/\.png$/, '.txt')), 'utf8');
      const png = PNG.sync.read(readFileSync(join(dir, set, file)));
       
      yield { set, name: `${set}/${file}`, text, isUtf8Set: /^[\x00-\x7f]*$/.test(text), image: rgbaToGray8(png.data, png.width, png.height) };
    }
  }
}
