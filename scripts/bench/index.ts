import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine, type Figures, type Suite } from './common.ts';
import { cameraSuite } from './camera.ts';
import { dccSuite } from './dcc.ts';
import { deploymentSuite } from './deployment.ts';
import { framingSuite } from './framing.ts';
import { pipelineSuite } from './pipeline.ts';
import { riskListSuite } from './risk-list.ts';
import { screenSuite } from './screen.ts';
import { serverIngestSuite } from './server-ingest.ts';
import { serverQueriesSuite } from './server-queries.ts';
import { statusSuite } from './status.ts';
import { tracingSuite } from './tracing.ts';
import { uploadSuite } from './upload.ts';

/**
 * `npm run bench [-- --json FILE] [-- --only a,b]`: every figure of docs/benchmarks.md, measured in
 * one run on this machine. Human-readable progress on stderr; `--json` writes all figures.
 */
const SUITES: Suite[] = [pipelineSuite, uploadSuite, statusSuite, riskListSuite, framingSuite, dccSuite, cameraSuite, screenSuite, serverIngestSuite, serverQueriesSuite, tracingSuite, deploymentSuite];

const { values } = parseArgs({ options: { json: { type: 'string' }, only: { type: 'string' } } });
const only = values.only?.split(',');
const selected = SUITES.filter((s) => !only || only.includes(s.name));
if (selected.length === 0) {
  process.stderr.write(`no suite matches --only ${values.only}; suites: ${SUITES.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

const results: Record<string, Figures> = {};
const log = (line: string) => process.stderr.write(`${line}\n`);
const env = machine();
log(`kiosk bench on ${env.cpu} (${env.cores} cores), Node ${env.node}, tmp on ${env.tmpFs}`);
for (const suite of selected) {
  log(`\n[${suite.name}] ${suite.description}`);
  const started = performance.now();
  results[suite.name] = await suite.run(log);
  log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const report = { date: new Date().toISOString(), command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, machine: env, results };
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report)}\n`);
