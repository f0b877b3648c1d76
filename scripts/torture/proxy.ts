import { configSchema } from '../../common/config.ts';
import { silentLogger } from '../../core/log.ts';
import { startKiosk } from '../../core/runtime/start-kiosk.ts';
import { FakeIndicator } from '../../drivers/fake/fake-indicator.ts';
import { FakeRelay } from '../../drivers/fake/fake-relay.ts';
import { FakeScanner } from '../../drivers/fake/fake-scanner.ts';
import { rng } from '../../server/services/seed.ts';
import { readFileSync } from 'node:fs';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { compare, makeRig, type TortureResult } from './harness.ts';

/**
 * Torture 2: a fault-injecting proxy between kiosk and server (resets before and after the server
 * stored a batch, 5xx, answers slower than the kiosk waits, dripped and truncated bodies). The
 * server must end with exactly the kiosk's entries.
 */
export async function proxyTorture(options: { scans: number; seed?: number; log?: (s: string) => void }): Promise<TortureResult> {
  const random = rng(options.seed ?? 2);
  let proxy: FaultProxy | undefined;
  const rig = await makeRig({
    serverUrlOverride: async (url) => {
      proxy = await startFaultProxy(url, { random, delayMs: 1500 });
      return proxy.url;
    },
    upload: { batchMaxEntries: 20, requestTimeoutMs: 800 },
  });
  const config = configSchema.parse(JSON.parse(readFileSync(rig.configPath, 'utf8')));
  const scanner = new FakeScanner();
  const printed = new Set<string>();
  const running = await startKiosk(
    { ...config, scanner: { kind: 'fake', replay: [], intervalMs: 1 } },
    {
      drivers: { scanner, gate: new FakeRelay(), indicator: new FakeIndicator() },
      emit: (e) => {
        if (e.type === 'verdict') printed.add(e.entryId);
      },
      log: silentLogger,
    },
  );
  try {
    for (let i = 0; i < options.scans; i++) {
      scanner.emit(rig.payloads[i % rig.payloads.length] as string);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, random() * 20));
    }
    await running.core.whenIdle();
    const isDrained = (await running.uploader?.drain(120_000)) ?? false;
    await running.stop();
    const result = await compare(rig, printed, 1, { isDrained, faults: { ...proxy?.counts } });
    options.log?.(`  faults injected: ${JSON.stringify(proxy?.counts)}`);
    return result;
  } finally {
    await proxy?.close();
    await rig.close();
  }
}
