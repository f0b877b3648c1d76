import { cpus, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: sorted.length,
    p50: r(at(50)),
    p90: r(at(90)),
    p95: r(at(95)),
    p99: r(at(99)),
    max: r(sorted.at(-1) ?? 0),
    mean: r(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

export function machine(): Record<string, string | number> {
  let fs = 'unknown';
  try {
    fs = execFileSync('stat', ['-f', '-c', '%T', process.env.TMPDIR ?? '/tmp']).toString().trim();
  } catch {
    // stat missing: the figure stays "unknown", the bench still runs.
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.versions.node,
    tmpFs: fs,
  };
}

export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
}

export type Figures = Record<string, unknown>;

export interface Suite {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<Figures>;
}
