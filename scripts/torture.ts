import { parseArgs } from 'node:util';
import { killTorture } from './torture/harness.ts';
import { proxyTorture } from './torture/proxy.ts';

/**
 * `npm run torture -- --iterations N [--scans M] [--seed S]`: the long form of the torture tests.
 * The last line is `lost L duplicated D` (both 0 when nothing was lost or stored twice).
 */
const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200' }, scans: { type: 'string', default: '3000' }, seed: { type: 'string', default: '1' } } });
const iterations = Number(values.iterations);
const scans = Number(values.scans);
const seed = Number(values.seed);
const log = (s: string) => process.stderr.write(`${s}\n`);

log(`kill torture: ${iterations} SIGKILLs of the kiosk process group while scanning and uploading`);
const started = performance.now();
const kill = await killTorture({ iterations, seed, log });
log(`  ${JSON.stringify(kill)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

log(`proxy torture: ${scans} scans through a fault-injecting proxy`);
const proxy = await proxyTorture({ scans, seed, log });
log(`  ${JSON.stringify(proxy)}`);

const lost = kill.lost + proxy.lost;
const duplicated = kill.duplicated + proxy.duplicated;
process.stdout.write(`kill: printed ${kill.printedVerdicts}, stored ${kill.storedOnKiosk}, on server ${kill.onServer}; proxy: stored ${proxy.storedOnKiosk}, on server ${proxy.onServer}\n`);
process.stdout.write(`lost ${lost} duplicated ${duplicated}\n`);
process.exit(lost === 0 && duplicated === 0 && kill.printedVerdicts > 0 && proxy.storedOnKiosk > 0 ? 0 : 1);
