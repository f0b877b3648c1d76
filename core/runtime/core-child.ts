import { setDropHandler } from '../../common/drop.ts';
import { serializeError } from '../../common/errors.ts';
import type { KioskEvent } from '../../common/events.ts';
import { toCoreSchema, type FromCore } from '../../common/ipc/core-protocol.ts';
import type { KioskConfig } from '../../common/config.ts';
import type { DriverSet } from '../../drivers/contracts/index.ts';
import type { Logger } from '../log.ts';
import { loadConfigFile } from './config-file.ts';
import { startKiosk } from './start-kiosk.ts';
import { StatusTracker } from './status-tracker.ts';

/** The supervisor end of the channel: Electron's `process.parentPort`, or Node's `process.send`. */
export interface ParentChannel {
  send(message: FromCore): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface CoreChildOptions {
  configPath: string;
  channel: ParentChannel;
  createDrivers: (config: KioskConfig) => DriverSet;
  log: Logger;
  /** Also write events here (e.g. NDJSON on stdout). */
  extraSink?: (event: KioskEvent) => void;
  /** How often the child proves it is alive (the supervisor's watchdog). */
  aliveIntervalMs?: number;
  /** After the scanner's input ends (stdin closed), wait this long for uploads, then exit 0. */
  drainMs?: number;
  /** Tells a person why the core could not start (stderr line); the process then exits. */
  onFatal?: (err: unknown) => void;
}

const encoder = new TextEncoder();

/**
 * The core process: runs the kiosk and speaks the core protocol with its supervisor. Everything
 * that touches devices and SQLite lives here, so a driver crash ends this process only and the
 * supervisor drives the outputs safe and restarts it.
 */
export async function runCoreChild(options: CoreChildOptions): Promise<void> {
  const { channel, log } = options;
  setDropHandler((err) => log.error({ err }, 'background task failed'));
  const tracker = new StatusTracker();
  const emit = (event: KioskEvent) => {
    tracker.observe(event);
    options.extraSink?.(event);
    channel.send({ type: 'event', event });
  };
  let config: KioskConfig;
  let running: Awaited<ReturnType<typeof startKiosk>>;
  try {
    config = loadConfigFile(options.configPath);
    running = await startKiosk(config, { drivers: options.createDrivers(config), emit, log });
  } catch (err) {
    const e = serializeError(err);
    options.onFatal?.(err);
    emit({ type: 'error', code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) });
    // Exit code 78 (EX_CONFIG) tells the supervisor not to restart in a loop on a bad config.
    process.exit(e.code.startsWith('config') || e.code.startsWith('key') ? 78 : 1);
  }

  const alive = setInterval(() => channel.send({ type: 'alive', at: Date.now() }), options.aliveIntervalMs ?? 500);
  running.core.onScannerEnd(() => {
    void (async () => {
      await running.core.whenIdle();
      const isDrained = (await running.uploader?.drain(options.drainMs ?? 10_000)) ?? true;
      if (!isDrained) log.warn('input ended; some entries still wait in the outbox for the server');
      clearInterval(alive);
      await running.stop('input-ended');
      process.exit(0);
    })();
  });
  channel.onMessage((raw) => {
    const parsed = toCoreSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn({ issue: parsed.error.issues[0]?.message }, 'ignored a malformed message from the supervisor');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'scan':
        void running.core.submit({ bytes: encoder.encode(msg.scan.text), source: msg.scan.source, monoMs: performance.now(), framing: 'injected' });
        break;
      case 'status': {
        const stats = running.outbox.stats();
        channel.send({
          type: 'status',
          requestId: msg.requestId,
          status: tracker.snapshot({
            deviceId: config.device?.id ?? null,
            venueId: config.device?.venueId ?? null,
            venueName: config.venue.name ?? null,
            direction: config.device?.direction ?? 'in',
            outboxPending: stats.pending,
            oldestPendingAt: stats.oldestPendingAt,
            resultMs: config.ui.resultMs,
            locale: config.ui.locale,
            camera: { enabled: config.camera.enabled, width: config.camera.width, height: config.camera.height, fps: config.camera.fps, ...(config.camera.label ? { label: config.camera.label } : {}) },
            sounds: config.ui.sounds,
          }),
        });
        break;
      }
      case 'selfTest':
        void running.gateTest();
        break;
      case 'shutdown':
        clearInterval(alive);
        void running.stop('shutdown').then(() => process.exit(0));
        break;
      default:
        break;
    }
  });
}
