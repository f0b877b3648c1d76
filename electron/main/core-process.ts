import { runCoreChild } from '../../core/runtime/core-child.ts';
import { createDrivers } from '../../drivers/create.ts';
import pino from 'pino';

/**
 * Entry of the core utility process (`utilityProcess.fork`). Drivers and SQLite load here, so a
 * native-module crash ends this process only; the main process drives the gate safe and restarts it.
 */
const configPath = process.argv[2];
const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (ev: { data: unknown }) => void): void } }).parentPort;
if (!configPath || !parentPort) {
  process.stderr.write('core-process: expected a config path argument and an Electron parentPort\n');
  process.exit(2);
}
const log = pino({ level: process.env.KIOSK_LOG_LEVEL ?? 'info', base: { app: 'kiosk-core' } }, pino.destination({ fd: 2, sync: true }));
await runCoreChild({
  configPath,
  channel: { send: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (ev) => l(ev.data)) },
  createDrivers,
  log,
});
