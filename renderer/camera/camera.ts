import type { KioskApi } from '../../common/ipc/contract.ts';
import type { FrameReply, FrameRequest } from './protocol.ts';

export type CameraState = 'off' | 'starting' | 'on' | 'missing' | 'denied' | 'unplugged' | 'failed';

export interface CameraOptions {
  api: KioskApi;
  video: HTMLVideoElement;
  width: number;
  height: number;
  fps: number;
  label?: string;
  onState(state: CameraState, detail?: string): void;
  /** Same text again within this window of its last sighting is not resubmitted (the person still holds the phone up). */
  repeatMs?: number;
  /** Two different codes were in one frame and neither was taken (`count` texts). */
  onConflict?(count: number): void;
}

export interface CameraStats {
  offered: number;
  dropped: number;
  decoded: number;
  submitted: number;
  /** Frames with two different codes in view: neither taken. */
  conflicts: number;
  /** The worker's time for each of the last frames (ms, at most RECENT): its p95 in the browser. */
  recentMs: number[];
  /** The last code read: which decoder pass read it and how long the frame took. */
  lastRead?: { decoder: string; ms: number; at: number };
}

/** The longest side handed to the decoder: a camera that sends 8000×8000 is drawn smaller, not copied whole. */
const MAX_SIDE = 1920;
const RECENT = 256;
/** Decoded frames without the code after which showing it again is a new scan. */
const MISSES_BEFORE_NEW_SCAN = 4;

/**
 * getUserMedia → <video> → canvas → the Web Worker, at most `fps` frames a second and only while
 * the worker is idle: a busy decoder drops frames instead of queueing them, so memory stays flat and
 * scanner verdicts are never delayed by the camera. Decoded payloads enter the same pipeline as
 * scanner input (with its duplicate suppression).
 */
export async function startCamera(o: CameraOptions): Promise<{ stop(): void; stats: CameraStats }> {
  const stats: CameraStats = { offered: 0, dropped: 0, decoded: 0, submitted: 0, conflicts: 0, recentMs: [] };
  o.onState('starting');
  let stream: MediaStream;
  try {
    const devices = o.label ? (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput') : [];
    const chosen = o.label ? devices.find((d) => d.label.includes(o.label as string)) : undefined;
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: o.width }, height: { ideal: o.height }, frameRate: { ideal: Math.max(o.fps, 15) }, ...(chosen ? { deviceId: { exact: chosen.deviceId } } : {}) },
      audio: false,
    });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    o.onState(name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'failed', err instanceof Error ? err.message : String(err));
    return { stop: () => undefined, stats };
  }
  const [track] = stream.getVideoTracks();
  o.video.srcObject = stream;
  o.video.muted = true;
  // Not awaited: play() settles with the first frame, which a camera slower than one frame a second
  // may not send for a long while; the timer below waits for frames anyway.
  void o.video.play().catch(() => undefined);
  o.onState('on', track?.label);

  const worker = new Worker(new URL('../camera/worker.js', document.baseURI), { type: 'module' });
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let isBusy = false;
  let nextId = 1;
  let last = { text: '', at: -Infinity };
  /** Decoded frames since the last read that did not show that code. */
  let framesWithoutLast = 0;
  let lastTime = -1;
  worker.onmessage = (e: MessageEvent<FrameReply>) => {
    isBusy = false;
    const reply = e.data;
    if ('error' in reply) return;
    if (stats.recentMs.push(reply.ms) > RECENT) stats.recentMs.shift();
    if (reply.conflict) {
      stats.conflicts++;
      o.onConflict?.(reply.conflict);
    }
    if (reply.text !== last.text) framesWithoutLast++;
    if (reply.text === null) return;
    stats.decoded++;
    stats.lastRead = { decoder: reply.decoder ?? '?', ms: Math.round(reply.ms * 10) / 10, at: Date.now() };
    const now = performance.now();
    // The window slides while the code stays in view: a phone held up for ten seconds is one scan.
    // On a starved machine reads of a code still in view can be seconds apart, so the code also
    // counts as still there until a few decoded frames in a row went without it.
    const isRepeat = reply.text === last.text && (now - last.at < (o.repeatMs ?? 3000) || framesWithoutLast < MISSES_BEFORE_NEW_SCAN);
    last = { text: reply.text, at: now };
    framesWithoutLast = 0;
    if (isRepeat) return;
    stats.submitted++;
    void o.api.submitScan({ text: reply.text, source: 'camera' });
  };
  worker.onerror = () => {
    isBusy = false;
  };

  const timer = setInterval(() => {
    if (o.video.readyState < 2 || !ctx) return;
    stats.offered++;
    if (isBusy) {
      stats.dropped++;
      return;
    }
    // A camera slower than the timer: the same picture is not decoded twice.
    if (o.video.currentTime === lastTime) return;
    const k = Math.min(1, MAX_SIDE / Math.max(o.video.videoWidth, o.video.videoHeight));
    const width = Math.floor(o.video.videoWidth * k);
    const height = Math.floor(o.video.videoHeight * k);
    if (width === 0 || height === 0) return;
    lastTime = o.video.currentTime;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.drawImage(o.video, 0, 0, width, height);
    const pixels = ctx.getImageData(0, 0, width, height);
    isBusy = true;
    const request: FrameRequest = { id: nextId++, width, height, rgba: pixels.data.buffer };
    worker.postMessage(request, [request.rgba]);
  }, 1000 / o.fps);

  const release = () => {
    clearInterval(timer);
    worker.terminate();
    for (const t of stream.getTracks()) t.stop();
  };
  // The browser ends the track when the camera is unplugged; the caller decides when to try again.
  track?.addEventListener('ended', () => {
    release();
    o.onState('unplugged');
  });
  return {
    stats,
    stop() {
      release();
      o.onState('off');
    },
  };
}
