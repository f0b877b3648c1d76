/**
 * Boot keyboard reports (HID 1.11 App. B: modifiers, reserved, six key usages) → text, for the US
 * layout the kiosk keeps (docs/hardware.md §1.2: the host, not the scanner, maps usages to characters).
 * A character a wedge scanner cannot type (no usage exists for "Đ", or an ALT+keypad code Linux
 * does not compose) is counted as lost, so the payload layer can report `scanner-mode-ascii`.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '1234567890';
const SHIFTED_DIGITS = '!@#$%^&*()';

/** usage → [plain, shifted] for the US layout. */
const KEYS = new Map<number, [string, string]>([
  ...[...LETTERS].map((c, i) => [0x04 + i, [c, c.toUpperCase()]] as [number, [string, string]]),
  ...[...DIGITS].map((c, i) => [0x1e + i, [c, SHIFTED_DIGITS[i] as string]] as [number, [string, string]]),
  [0x28, ['\r', '\r']],
  [0x2b, ['\t', '\t']],
  [0x2c, [' ', ' ']],
  [0x2d, ['-', '_']],
  [0x2e, ['=', '+']],
  [0x2f, ['[', '{']],
  [0x30, [']', '}']],
  [0x31, ['\\', '|']],
  [0x33, [';', ':']],
  [0x34, ["'", '"']],
  [0x35, ['`', '~']],
  [0x36, [',', '<']],
  [0x37, ['.', '>']],
  [0x38, ['/', '?']],
  [0x54, ['/', '/']],
  [0x55, ['*', '*']],
  [0x56, ['-', '-']],
  [0x57, ['+', '+']],
  [0x58, ['\r', '\r']],
  ...[...'1234567890'].map((c, i) => [0x59 + i, [c, c]] as [number, [string, string]]),
  [0x63, ['.', '.']],
]);

const CAPS_LOCK = 0x39;
const SHIFT = 0x02 | 0x20;
const ALT = 0x04 | 0x40;
const KEYPAD = new Set([0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63]);

export class KeyboardDecoder {
  private previous = new Set<number>();
  private isCapsLock = false;
  /** Key presses that produced no character since the last `takeLost()`. */
  private lost = 0;
  private readonly hasReportId: boolean;

  constructor(options: { hasReportId?: boolean } = {}) {
    this.hasReportId = options.hasReportId ?? false;
  }

  /** Characters typed by this report: keys pressed now that were not pressed in the previous one. */
  push(report: Uint8Array): string {
    const r = this.hasReportId ? report.subarray(1) : report;
    if (r.length < 3) return '';
    const modifiers = r[0] as number;
    const keys = [...r.subarray(2, 8)].filter((k) => k !== 0);
    // Six 0x01 = rollover error: the state is unknown, keep the previous one.
    if (keys.length > 0 && keys.every((k) => k === 0x01)) return '';
    const now = new Set(keys);
    let out = '';
    for (const usage of keys) {
      if (this.previous.has(usage)) continue;
      if (usage === CAPS_LOCK) {
        this.isCapsLock = !this.isCapsLock;
        continue;
      }
      // ALT + keypad digits is a Windows ALT code: Linux does not compose it; the character is lost.
      if ((modifiers & ALT) !== 0 && KEYPAD.has(usage)) {
        this.lost++;
        continue;
      }
      const key = KEYS.get(usage);
      if (!key) {
        this.lost++;
        continue;
      }
      const isShift = (modifiers & SHIFT) !== 0;
      const isLetter = usage >= 0x04 && usage <= 0x1d;
      out += key[isLetter ? (isShift !== this.isCapsLock ? 1 : 0) : isShift ? 1 : 0];
    }
    this.previous = now;
    return out;
  }

  takeLost(): number {
    const n = this.lost;
    this.lost = 0;
    return n;
  }
}
