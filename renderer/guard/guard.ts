import type { KioskEvent, VerdictEvent } from '../../common/events.ts';
import type { KioskApi, KioskStatus, TechnicianReply } from '../../common/ipc/contract.ts';
import type { HealthStatus } from '../../common/verdict.ts';
import { bridgeFromLocation } from '../bridge/ws-client.ts';
import { startCamera, type CameraState, type CameraStats } from '../camera/camera.ts';
import { formatAge, reasonLine, t, type Locale, type StringKey } from '../i18n.ts';
import { installWedge } from '../wedge-dom.ts';
import { playVerdictSound } from './sounds.ts';

/**
 * The guard screen: idle "Mời quét mã QR" (with the camera preview and an aiming frame when a
 * camera is configured), then a full-screen verdict with a large shape (✓ ✗ !, never colour alone),
 * one reason line, the masked name and status, the direction, a distinct sound, and back to idle by
 * itself. The technician screen sits behind a PIN (long press on the status strip, or Ctrl+Alt+T).
 * It reads only `window.kiosk`: Electron's preload or the browser bridge, it cannot tell which.
 * All text goes through textContent: a name like `<img onerror=…>` is shown, never parsed.
 */
const SHAPES = { allow: '✓', deny: '✗', warn: '!' } as const;
const STATUS_KEYS: Record<HealthStatus, StringKey> = { green: 'statusGreen', yellow: 'statusYellow', red: 'statusRed', unknown: 'statusUnknown' };
const CAMERA_MESSAGES: Partial<Record<CameraState, StringKey>> = { missing: 'cameraMissing', denied: 'cameraDenied', unplugged: 'cameraUnplugged', failed: 'cameraFailed' };
const TECH_IDLE_MS = 120_000;

const el = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`guard screen: #${id} missing`);
  return found;
};

export interface GuardHandle {
  stop(): void;
  camera(): CameraStats | undefined;
}

export function startGuard(api: KioskApi, root: HTMLElement = el('app')): GuardHandle {
  let locale: Locale = 'vi';
  let resultMs = 3000;
  let isSoundOn = true;
  let status: KioskStatus | undefined;
  let pending = 0;
  let oldestPendingAt: number | null = null;
  let isOnline = false;
  let trustList: KioskStatus['trustList'];
  let riskSyncedAt: number | null = null;
  let cameraState: CameraState = 'off';
  let camera: Awaited<ReturnType<typeof startCamera>> | undefined;
  let backToIdle: ReturnType<typeof setTimeout> | undefined;
  /** Two codes were in view (neither taken): the guard is told until then. */
  let twoCodesUntil = 0;
  let twoCodesTimer: ReturnType<typeof setTimeout> | undefined;

  const renderIdle = () => {
    el('idle-title').textContent = t('idle', locale);
    el('idle-hint').textContent = t('idleHint', locale);
    el('camera-aim').textContent = t('cameraAim', locale);
    const message = CAMERA_MESSAGES[cameraState] ?? (Date.now() < twoCodesUntil ? 'cameraTwoCodes' : undefined);
    el('camera-message').hidden = message === undefined;
    el('camera-message').textContent = message ? t(message, locale) : '';
    el('camera-box').hidden = cameraState !== 'on';
    root.dataset.camera = cameraState;
  };
  const renderStrip = () => {
    el('strip-net').textContent = isOnline ? `● ${t('online', locale)}` : `○ ${t('offline', locale)}`;
    el('strip-net').className = isOnline ? '' : 'bad';
    el('strip-pending').textContent =
      pending > 0 && oldestPendingAt !== null ? t('pendingOldest', locale, { n: String(pending), age: formatAge(Date.now() - oldestPendingAt, locale) }) : `${t('pending', locale)}: ${pending}`;
    if (status) {
      el('strip-scanner').textContent = `${t('scanner', locale)}: ${t(status.scanner.state, locale)}`;
      el('strip-scanner').className = status.scanner.state === 'connected' ? '' : 'bad';
      el('strip-gate').textContent = `${t('gate', locale)}: ${t(status.gate.state, locale)}`;
      el('strip-gate').className = status.gate.state === 'connected' ? '' : 'bad';
    }
    const cam = el('strip-camera');
    cam.textContent = status?.camera?.enabled ? `${t('camera', locale)}: ${cameraState === 'on' ? t('on', locale) : cameraState === 'starting' ? t('waiting', locale) : t('disconnected', locale)}` : '';
    cam.className = status?.camera?.enabled && cameraState !== 'on' && cameraState !== 'starting' ? 'bad' : '';
    // Keys for foreign travellers' certificates and the offline risk list: their age, so a stale list is noticed.
    const keys = el('strip-keys');
    const keysAgeMs = trustList?.syncedAt == null ? null : Date.now() - trustList.syncedAt;
    keys.textContent = trustList === undefined ? '' : trustList.size === 0 ? t('keysNone', locale) : keysAgeMs === null ? '' : t('keysAge', locale, { age: formatAge(keysAgeMs, locale) });
    keys.className = trustList?.size === 0 || (keysAgeMs ?? 0) > 7 * 86_400_000 ? 'bad' : '';
    el('strip-risk').textContent = riskSyncedAt === null ? '' : t('riskAge', locale, { age: formatAge(Date.now() - riskSyncedAt, locale) });
  };
  // With the technician screen open, verdicts (self-tests excepted) wait behind it.
  const goIdle = () => {
    root.dataset.screen = root.dataset.technician === 'open' ? 'technician' : 'idle';
    delete root.dataset.verdict;
  };
  const showVerdict = (v: VerdictEvent, isSelfTest = false) => {
    if (root.dataset.technician === 'open' && !isSelfTest) return;
    root.dataset.screen = 'result';
    root.dataset.verdict = v.verdict;
    el('result-shape').textContent = SHAPES[v.verdict];
    el('result-title').textContent = v.verdict === 'allow' ? t(v.direction === 'out' ? 'allowOut' : 'allow', locale) : t(v.verdict, locale);
    const age = v.dataAgeMs !== undefined && v.source !== 'online' ? ` · ${t('dataAge', locale, { age: formatAge(v.dataAgeMs, locale) })}` : '';
    el('result-reason').textContent = reasonLine(v.reasons, locale) + age;
    // A certificate says what it certifies: "Comirnaty 2/2", "NAAT (PCR)".
    const certificate = v.facts ? [v.facts.product, v.facts.dose].filter((x) => x !== undefined).join(' ') : '';
    el('result-name').textContent = [v.displayName ?? '', certificate].filter((x) => x !== '').join(' · ');
    el('result-status').textContent = v.status === 'unknown' || v.source === 'credential' || v.source === 'none' ? '' : `${t('status', locale)}: ${t(STATUS_KEYS[v.status], locale)}`;
    const isOut = v.direction === 'out';
    el('result-direction').textContent = v.verdict === 'allow' ? t(isOut ? 'directionOut' : 'directionIn', locale) : t(isOut ? 'directionLabelOut' : 'directionLabelIn', locale);
    root.dataset.entryId = v.entryId;
    if (isSoundOn) playVerdictSound(v.verdict);
    if (backToIdle !== undefined) clearTimeout(backToIdle);
    backToIdle = setTimeout(goIdle, resultMs);
  };

  const onEvent = (e: KioskEvent) => {
    switch (e.type) {
      case 'verdict':
        if (e.source === 'online') isOnline = true;
        showVerdict(e);
        break;
      case 'stored':
        pending++;
        oldestPendingAt ??= Date.now();
        break;
      case 'uploaded':
        pending = Math.max(0, pending - e.count);
        if (pending === 0) oldestPendingAt = null;
        isOnline = true;
        break;
      case 'connectivity':
        isOnline = e.online;
        break;
      case 'device':
        if (status && (e.device === 'scanner' || e.device === 'gate')) status = { ...status, [e.device]: { id: e.id, state: e.state } };
        break;
      case 'trust-list':
        trustList = { size: e.size, syncedAt: e.syncedAt };
        break;
      case 'risk-list':
        riskSyncedAt = e.syncedAt;
        break;
      default:
        break;
    }
    renderStrip();
  };

  let cameraConfig: KioskStatus['camera'];
  let cameraRetry: ReturnType<typeof setTimeout> | undefined;
  const openCamera = () => {
    const c = cameraConfig;
    if (!c?.enabled) return;
    void startCamera({ api, video: el('camera-preview') as HTMLVideoElement, width: c.width, height: c.height, fps: c.fps, ...(c.label ? { label: c.label } : {}), onState: onCameraState, onConflict }).then((handle) => {
      camera = handle;
    });
  };
  // A replugged (or late) camera comes back by itself: on the browser's devicechange, and every 5 s
  // in case that event never comes. A refusal is not retried: only a technician can change it.
  const retryCamera = () => {
    if (cameraRetry !== undefined || (cameraState !== 'unplugged' && cameraState !== 'missing')) return;
    const again = () => {
      clearTimeout(cameraRetry);
      cameraRetry = undefined;
      navigator.mediaDevices?.removeEventListener('devicechange', again);
      if (cameraState === 'unplugged' || cameraState === 'missing') openCamera();
    };
    cameraRetry = setTimeout(again, 5000);
    navigator.mediaDevices?.addEventListener('devicechange', again);
  };
  const onConflict = () => {
    twoCodesUntil = Date.now() + 3000;
    renderIdle();
    clearTimeout(twoCodesTimer);
    twoCodesTimer = setTimeout(renderIdle, 3000);
  };
  const onCameraState = (state: CameraState) => {
    cameraState = state;
    renderIdle();
    renderStrip();
    retryCamera();
  };

  const unsubscribe = api.onEvent(onEvent);
  root.dataset.screen = 'idle';
  renderIdle();
  renderStrip();
  const loadStatus = (): Promise<void> =>
    api.getStatus().then((s) => {
      status = s;
      locale = s.locale;
      document.documentElement.lang = locale;
      resultMs = s.resultMs;
      isSoundOn = s.sounds ?? true;
      pending = s.outboxPending;
      oldestPendingAt = s.oldestPendingAt;
      isOnline = s.isOnline;
      trustList = s.trustList ?? trustList;
      renderIdle();
      renderStrip();
      if (s.camera?.enabled && camera === undefined && cameraState === 'off') {
        cameraConfig = s.camera;
        openCamera();
      }
    });
  // The core may still be starting (or restarting): ask again until it answers.
  const retry = setInterval(() => {
    if (status === undefined) void loadStatus().catch(() => undefined);
  }, 1000);
  loadStatus().catch(() => {
    el('idle-hint').textContent = t('starting', locale);
  });
  const refreshStrip = setInterval(renderStrip, 30_000);
  const heartbeat = setInterval(() => api.heartbeat(), 1000);
  // A keyboard-wedge scanner the kiosk cannot open still works: its bursts become scans.
  const removeWedge = installWedge(api);
  const removeTechnician = installTechnician(api, root, () => locale, goIdle, showVerdict, () => camera?.stats);
  return {
    camera: () => camera?.stats,
    stop() {
      unsubscribe();
      clearInterval(heartbeat);
      clearInterval(retry);
      clearInterval(refreshStrip);
      removeWedge();
      removeTechnician();
      clearTimeout(cameraRetry);
      clearTimeout(twoCodesTimer);
      camera?.stop();
    },
  };
}

/** Which decoder pass read the camera's last code and how long its frame took; frames refused for two codes. */
function cameraReadLine(stats: CameraStats | undefined, l: Locale): string {
  if (!stats) return '—';
  const read = stats.lastRead ? `${stats.lastRead.decoder}, ${stats.lastRead.ms} ms, ${formatAge(Date.now() - stats.lastRead.at, l)}` : '—';
  return stats.conflicts > 0 ? `${read} · ${stats.conflicts} ${t('techCameraConflicts', l)}` : read;
}

/**
 * The technician screen: a PIN pad (the PIN is checked by the kiosk, not here), then device,
 * venue, connectivity, devices, outbox and lists, self-tests and the latest events. Buttons only:
 * no link, no field that could lead anywhere else. It closes itself after two idle minutes.
 */
function installTechnician(api: KioskApi, root: HTMLElement, locale: () => Locale, goIdle: () => void, showVerdict: (v: VerdictEvent, isSelfTest: boolean) => void, cameraStats: () => CameraStats | undefined): () => void {
  let pin = '';
  let isUnlocked = false;
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    closeTimer = setTimeout(close, TECH_IDLE_MS);
  };
  const render = () => {
    const l = locale();
    el('tech-title').textContent = t('techTitle', l);
    el('tech-pin-label').textContent = t('techPin', l);
    el('tech-pin-display').textContent = '•'.repeat(pin.length);
    el('tech-unlock').textContent = t('techUnlock', l);
    el('tech-close').textContent = t('techClose', l);
    el('tech-refresh').textContent = t('techRefresh', l);
    el('tech-gate').textContent = t('techGateTest', l);
    el('tech-screen-test').textContent = t('techScreenTest', l);
    el('tech-log-title').textContent = t('techLog', l);
    const columns = [
      ['tech-col-time', 'techColTime'],
      ['tech-col-format', 'techColFormat'],
      ['tech-col-verdict', 'techColVerdict'],
      ['tech-col-reason', 'techColReason'],
      ['tech-col-source', 'techColSource'],
      ['tech-col-latency', 'techColLatency'],
    ] as const;
    for (const [id, key] of columns) el(id).textContent = t(key, l);
    el('tech-raw-toggle').textContent = t('techRaw', l);
    el('tech-pin').hidden = isUnlocked;
    el('tech-panel').hidden = !isUnlocked;
  };
  const open = () => {
    pin = '';
    isUnlocked = false;
    el('tech-pin-error').textContent = '';
    root.dataset.technician = 'open';
    root.dataset.screen = 'technician';
    delete root.dataset.verdict;
    render();
    touch();
  };
  function close(): void {
    pin = '';
    isUnlocked = false;
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    delete root.dataset.technician;
    goIdle();
  }
  const showReply = (reply: TechnicianReply) => {
    const l = locale();
    const s = reply.status;
    const facts: Array<[string, string]> = [
      [t('techDevice', l), s?.deviceId ?? t('techNotProvisioned', l)],
      [t('techVenue', l), s ? `${s.venueName ?? ''} ${s.venueId ?? ''}`.trim() || '—' : '—'],
      [t('online', l), s ? (s.isOnline ? t('online', l) : t('offline', l)) : '—'],
      [t('scanner', l), s ? `${s.scanner.id}: ${t(s.scanner.state, l)}` : '—'],
      [t('gate', l), s ? `${s.gate.id}: ${t(s.gate.state, l)}` : '—'],
      [t('camera', l), s?.camera?.enabled ? `${s.camera.width}×${s.camera.height} @ ${s.camera.fps} fps` : t('off', l)],
      [t('techCameraRead', l), cameraReadLine(cameraStats(), l)],
      [t('pending', l), s ? `${s.outboxPending}${s.oldestPendingAt === null ? '' : ` (${formatAge(Date.now() - s.oldestPendingAt, l)})`}` : '—'],
      ['EU DCC', s?.trustList ? `${s.trustList.size}${s.trustList.syncedAt === null ? '' : `, ${formatAge(Date.now() - s.trustList.syncedAt, l)}`}` : '—'],
    ];
    const dl = el('tech-facts');
    dl.replaceChildren(
      ...facts.flatMap(([k, v]) => {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dd.textContent = v;
        return [dt, dd];
      }),
    );
    // Bookkeeping events (stored, uploaded) stay in the raw view; the table is what a technician reads.
    const readable = reply.recent.filter((e) => e.type !== 'stored' && e.type !== 'uploaded');
    el('tech-events-body').replaceChildren(...readable.slice().reverse().map((e) => eventRow(e, l)));
    el('tech-log').replaceChildren(
      ...reply.recent
        .slice()
        .reverse()
        .map((e) => {
          const li = document.createElement('li');
          li.textContent = JSON.stringify(e);
          return li;
        }),
    );
    el('tech-message').textContent = reply.message ?? '';
  };
  const request = async (action: 'info' | 'gate-test') => {
    touch();
    const result = await api.technician({ pin, action });
    if (result.ok) {
      isUnlocked = true;
      el('tech-pin-error').textContent = '';
      render();
      showReply(result.value);
    } else {
      isUnlocked = false;
      pin = '';
      render();
      el('tech-pin-error').textContent = result.error.message;
    }
  };
  const onKeypad = (e: Event) => {
    const key = (e.target as HTMLElement).dataset.key;
    if (!key) return;
    touch();
    if (key === 'back') pin = pin.slice(0, -1);
    else if (key === 'ok') void request('info');
    else if (pin.length < 12) pin += key;
    render();
  };
  const screenTest = () => {
    touch();
    const verdicts = ['allow', 'warn', 'deny'] as const;
    verdicts.forEach((verdict, i) =>
      setTimeout(() => {
        showVerdict({ type: 'verdict', entryId: 'self-test', format: 'unknown', verdict, reasons: [], source: 'none', latencyMs: 0, status: 'unknown', direction: 'in', scanner: 'self-test', at: Date.now() }, true);
      }, i * 1500),
    );
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey && e.altKey && e.key.toLowerCase() === 't') open();
  };
  // A long press (3 s) on the status strip opens the PIN pad: nothing a passer-by does by accident.
  let pressTimer: ReturnType<typeof setTimeout> | undefined;
  const onPressStart = () => {
    pressTimer = setTimeout(open, 3000);
  };
  const onPressEnd = () => {
    if (pressTimer !== undefined) clearTimeout(pressTimer);
  };
  const strip = el('strip');
  el('tech-pin').addEventListener('click', onKeypad);
  el('tech-close').addEventListener('click', close);
  el('tech-refresh').addEventListener('click', () => void request('info'));
  el('tech-gate').addEventListener('click', () => void request('gate-test'));
  el('tech-screen-test').addEventListener('click', screenTest);
  window.addEventListener('keydown', onKey);
  strip.addEventListener('pointerdown', onPressStart);
  strip.addEventListener('pointerup', onPressEnd);
  strip.addEventListener('pointerleave', onPressEnd);
  return () => {
    window.removeEventListener('keydown', onKey);
    strip.removeEventListener('pointerdown', onPressStart);
    if (closeTimer !== undefined) clearTimeout(closeTimer);
  };
}

// Electron's preload provides window.kiosk; in a plain browser the bridge's token is in the address.
if (typeof window !== 'undefined') {
  const api = window.kiosk ?? bridgeFromLocation(window.location);
  if (api) {
    window.kiosk = api;
    const guard = startGuard(api);
    // For tests and the technician: the camera's frame counters.
    (window as unknown as { __kioskCamera?: () => CameraStats | undefined }).__kioskCamera = () => guard.camera();
  }
}

const VERDICT_KEYS = { allow: 'verdictAllow', deny: 'verdictDeny', warn: 'verdictWarn' } as const satisfies Record<VerdictEvent['verdict'], StringKey>;
const SOURCE_KEYS = {
  online: 'sourceOnline',
  cache: 'sourceCache',
  'risk-list': 'sourceRiskList',
  offline: 'sourceOffline',
  credential: 'sourceCredential',
  none: 'sourceNone',
} as const satisfies Record<VerdictEvent['source'], StringKey>;

/** One row of the technician's events table: a verdict in words, any other event by its type. */
function eventRow(e: KioskEvent, l: Locale): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const at = 'at' in e && typeof e.at === 'number' ? new Date(e.at).toLocaleTimeString(l === 'vi' ? 'vi-VN' : 'en-GB', { hour12: false }) : '';
  const cells =
    e.type === 'verdict'
      ? [at, e.format, t(VERDICT_KEYS[e.verdict], l), reasonLine(e.reasons, l), t(SOURCE_KEYS[e.source], l), `${Math.round(e.latencyMs)} ms`]
      : [at, e.type, '', 'message' in e && typeof e.message === 'string' ? e.message : '', '', ''];
  if (e.type === 'verdict') tr.dataset.verdict = e.verdict;
  tr.replaceChildren(
    ...cells.map((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 5) td.className = 'num';
      return td;
    }),
  );
  return tr;
}
