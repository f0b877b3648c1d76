import type { KioskEvent, VerdictEvent } from '../../common/events.ts';
import type { KioskApi, KioskStatus } from '../../common/ipc/contract.ts';
import { formatAge, reasonLine, t, type Locale } from '../i18n.ts';
import { installWedge } from '../wedge-dom.ts';

/**
 * The guard screen: idle "Mời quét mã QR", then a full-screen verdict with a large shape (✓ ✗ !,
 * never colour alone), one reason line, the masked name and the direction, back to idle by itself.
 * It reads only `window.kiosk`; it cannot tell Electron's preload from the browser bridge.
 * All text goes through textContent: a name like `<img onerror=…>` is shown, never parsed.
 */
const SHAPES = { allow: '✓', deny: '✗', warn: '!' } as const;

const el = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`guard screen: #${id} missing`);
  return found;
};

export function startGuard(api: KioskApi, root: HTMLElement = el('app')): () => void {
  let locale: Locale = 'vi';
  let resultMs = 3000;
  let status: KioskStatus | undefined;
  let pending = 0;
  let isOnline = false;
  let trustList: KioskStatus['trustList'];
  let backToIdle: ReturnType<typeof setTimeout> | undefined;

  const renderIdle = () => {
    el('idle-title').textContent = t('idle', locale);
    el('idle-hint').textContent = t('idleHint', locale);
  };
  const renderStrip = () => {
    el('strip-net').textContent = isOnline ? `● ${t('online', locale)}` : `○ ${t('offline', locale)}`;
    el('strip-net').className = isOnline ? '' : 'bad';
    el('strip-pending').textContent = `${t('pending', locale)}: ${pending}`;
    // Keys for foreign travellers' certificates: their age, so a stale list is noticed.
    const keys = el('strip-keys');
    const keysAgeMs = trustList?.syncedAt == null ? null : Date.now() - trustList.syncedAt;
    keys.textContent = trustList === undefined ? '' : trustList.size === 0 ? t('keysNone', locale) : keysAgeMs === null ? '' : t('keysAge', locale, { age: formatAge(keysAgeMs, locale) });
    keys.className = trustList?.size === 0 || (keysAgeMs ?? 0) > 7 * 86_400_000 ? 'bad' : '';
    if (status) {
      el('strip-scanner').textContent = `${t('scanner', locale)}: ${t(status.scanner.state, locale)}`;
      el('strip-scanner').className = status.scanner.state === 'connected' ? '' : 'bad';
      el('strip-gate').textContent = `${t('gate', locale)}: ${t(status.gate.state, locale)}`;
      el('strip-gate').className = status.gate.state === 'connected' ? '' : 'bad';
    }
  };
  const showVerdict = (v: VerdictEvent) => {
    root.dataset.screen = 'result';
    root.dataset.verdict = v.verdict;
    el('result-shape').textContent = SHAPES[v.verdict];
    el('result-title').textContent = v.verdict === 'allow' ? t(v.direction === 'out' ? 'allowOut' : 'allow', locale) : t(v.verdict, locale);
    const age = v.dataAgeMs !== undefined && v.source !== 'online' ? ` · ${t('dataAge', locale, { age: formatAge(v.dataAgeMs, locale) })}` : '';
    el('result-reason').textContent = reasonLine(v.reasons, locale) + age;
    // A certificate says what it certifies: "Comirnaty 2/2", "NAAT (PCR)".
    const certificate = v.facts ? [v.facts.product, v.facts.dose].filter((x) => x !== undefined).join(' ') : '';
    el('result-name').textContent = [v.displayName ?? '', certificate].filter((x) => x !== '').join(' · ');
    el('result-direction').textContent = t(v.direction === 'out' ? 'directionOut' : 'directionIn', locale);
    root.dataset.entryId = v.entryId;
    if (backToIdle !== undefined) clearTimeout(backToIdle);
    backToIdle = setTimeout(() => {
      root.dataset.screen = 'idle';
      delete root.dataset.verdict;
    }, resultMs);
  };

  const onEvent = (e: KioskEvent) => {
    switch (e.type) {
      case 'verdict':
        if (e.source === 'online') isOnline = true;
        showVerdict(e);
        break;
      case 'stored':
        pending++;
        break;
      case 'uploaded':
        pending = Math.max(0, pending - e.count);
        isOnline = true;
        break;
      case 'connectivity':
        isOnline = e.online;
        break;
      case 'trust-list':
        trustList = { size: e.size, syncedAt: e.syncedAt };
        break;
      case 'device':
        if (status && (e.device === 'scanner' || e.device === 'gate')) status = { ...status, [e.device]: { id: e.id, state: e.state } };
        break;
      default:
        break;
    }
    renderStrip();
  };

  const unsubscribe = api.onEvent(onEvent);
  root.dataset.screen = 'idle';
  renderIdle();
  renderStrip();
  api
    .getStatus()
    .then((s) => {
      status = s;
      locale = s.locale;
      resultMs = s.resultMs;
      pending = s.outboxPending;
      trustList = s.trustList ?? trustList;
      isOnline = s.isOnline;
      renderIdle();
      renderStrip();
    })
    .catch(() => {
      // The core may still be starting; events will fill the strip in.
      el('idle-hint').textContent = t('starting', locale);
    });
  const heartbeat = setInterval(() => api.heartbeat(), 1000);
  // A keyboard-wedge scanner the kiosk cannot open still works: its bursts become scans.
  const removeWedge = installWedge(api);
  return () => {
    unsubscribe();
    clearInterval(heartbeat);
    removeWedge();
  };
}

if (typeof window !== 'undefined' && window.kiosk) startGuard(window.kiosk);
