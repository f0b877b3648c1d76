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
  /** Same text again within this window is not resubmitted (the person still holds the phone up). */
  repeatMs?: number;
}

export interface CameraStats {
  offered: number;
  dropped: number;
  decoded: number;
  submitted: number;
}

/**
 * getUserMedia → <video> → canvas → the Web Worker, at most `fps` frames a second and only while
 * the worker is idle: a busy decoder drops frames instead of queueing them, so memory stays flat and
 * scanner verdicts are never delayed by the camera. Decoded payloads enter the same pipeline as
 * scanner input (with its duplicate suppression).
 */
export async function startCamera(o: CameraOptions): Promise<{ stop(): void; stats: CameraStats }> {
  const stats: CameraStats = { offered: 0, dropped: 0, decoded: 0, submitted: 0 };
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
  await o.video.play().catch(() => undefined);
  o.onState('on', track?.label);

  const worker = new Worker(new URL('../camera/worker.js', document.baseURI), { type: 'module' });
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let isBusy = false;
  let nextId = 1;
  let last = { text: '', at: -Infinity };
  worker.onmessage = (e: MessageEvent<FrameReply>) => {
    isBusy = false;
    const reply = e.data;
    if ('error' in reply || reply.text === null) return;
    stats.decoded++;
    const now = performance.now();
    if (reply.text === last.text && now - last.at < (o.repeatMs ?? 3000)) return;
    last = { text: reply.text, at: now };
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
    const width = o.video.videoWidth;
    const height = o.video.videoHeight;
    if (width === 0 || height === 0) return;
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
