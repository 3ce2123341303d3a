/** Throughput and latency figures, computed the same way for every side of a comparison. */

export interface Measurement {
  completed: number;
  seconds: number;
  latenciesMs: number[];
}

export interface Summary {
  perSecond: number;
  medianMs: number;
  p99Ms: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((x, y) => x - y),
    0.5,
  );

export function summarise(measurement: Measurement): Summary {
  const sorted = [...measurement.latenciesMs].sort((a, b) => a - b);
  return {
    perSecond: measurement.completed / measurement.seconds,
    medianMs: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/** The median of each figure over several rounds. */
export function medianSummary(summaries: readonly Summary[]): Summary {
  return {
    perSecond: median(summaries.map((s) => s.perSecond)),
    medianMs: median(summaries.map((s) => s.medianMs)),
    p99Ms: median(summaries.map((s) => s.p99Ms)),
  };
}

export const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

export function secondsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

export const formatPercent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
