import type { KioskApi } from '../common/ipc/contract.ts';
import { WedgeDetector, type WedgeOptions } from './wedge.ts';

/**
 * Binds the wedge detector to the window: keys are captured before any field sees them, classified,
 * then either submitted as a scan or replayed into the field that had focus.
 */
export function installWedge(api: KioskApi, target: Window = window, options: Partial<WedgeOptions> = {}): () => void {
  const detector = new WedgeDetector(options);
  let focused: Element | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settle = (result: ReturnType<WedgeDetector['flush']>) => {
    if (!result) return;
    if (result.kind === 'scan') void api.submitScan({ text: result.text, source: 'keyboard' });
    else replay(focused, result.keys);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key.length !== 1 && e.key !== 'Enter' && e.key !== 'Tab') return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (!detector.isBuffering) focused = target.document.activeElement;
    if (timer !== undefined) clearTimeout(timer);
    const result = detector.key(e.key, e.timeStamp);
    if (result) settle(result);
    else timer = setTimeout(() => settle(detector.flush()), options.endSilenceMs ?? 100);
  };
  target.addEventListener('keydown', onKey, { capture: true });
  return () => target.removeEventListener('keydown', onKey, { capture: true });
}

function replay(field: Element | null, keys: string[]): void {
  if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement)) return;
  for (const k of keys) {
    if (k === 'Enter') {
      field.form?.requestSubmit();
      continue;
    }
    if (k === 'Tab') continue;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.setRangeText(k, start, end, 'end');
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }
}
