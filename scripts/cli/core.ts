import { serializeError } from '../../common/errors.ts';
import { runCoreChild } from '../../core/runtime/core-child.ts';
import { createDrivers } from '../../drivers/create.ts';
import { makeLogger } from './output.ts';

/**
 * `kiosk core --config FILE`: the core process under `kiosk run`'s supervisor (child_process.fork).
 * It exits when the supervisor goes away, so a killed `kiosk run` never leaves a core holding the gate.
 */
export async function coreCommand(configPath: string, drainMs: number): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('kiosk core is started by `kiosk run`; run that instead\n');
    process.exit(2);
  }
  const log = makeLogger();
  const listeners: Array<(m: unknown) => void> = [];
  process.on('message', (m: unknown) => {
    for (const l of listeners) l(m);
  });
  process.on('disconnect', () => {
    // The supervisor died: stop like a shutdown request (outputs safe, store closed), then exit.
    for (const l of listeners) l({ type: 'shutdown' });
    setTimeout(() => process.exit(1), 3000).unref();
  });
  await runCoreChild({
    configPath,
    channel: {
      send: (message) => {
        if (process.connected) send(message);
      },
      onMessage: (l) => listeners.push(l),
    },
    createDrivers,
    log,
    drainMs,
    onFatal: (err) => {
      const e = serializeError(err);
      process.stderr.write(`kiosk: ${e.code}: ${e.message}\n`);
    },
  });
}
