import { TrustStore } from '../../core/dcc/trust.ts';
import { verifyDcc } from '../../core/dcc/verify.ts';
import { hostileInputs, issueDcc, makeCsca, makeDsc, vaccination } from '../../test/helpers/dcc-issuer.ts';
import { distribution } from './common.ts';

/**
 * Run by the `dcc` bench suite in its own process (the kiosk core's heap flags): every hostile
 * input of the tests, plus an oversized kid and a signer with a bad chain, 200 warm runs each.
 * Prints `{label: {p50, p99, max}}` in ms.
 */
const csca = await makeCsca('XA');
const good = await makeDsc(csca);
const rogue = await makeDsc(await makeCsca('XA'));
const trust = new TrustStore([csca.entry, good.entry, rogue.entry]);
const cases = [
  ...hostileInputs().map((h) => ({ label: h.label, text: h.text })),
  { label: 'an oversized (10 kB) kid', text: issueDcc(good, vaccination(), { kid: new Uint8Array(10_000) }) },
  { label: 'a signer with a bad chain', text: issueDcc(rogue, vaccination()) },
];
const out: Record<string, { p50: number; p99: number; max: number }> = {};
for (const c of cases) {
  verifyDcc(c.text, { trust, nowMs: Date.now() });
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const r = verifyDcc(c.text, { trust, nowMs: Date.now() });
    times.push(performance.now() - t0);
    if (r.verdict !== 'deny') throw new Error(`${c.label} was not denied`);
  }
  const d = distribution(times);
  out[c.label] = { p50: d.p50, p99: d.p99, max: d.max };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
