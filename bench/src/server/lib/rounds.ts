import { formatPercent, type Measurement, median, medianSummary, type Summary, summarise } from './stats.js';

export interface Round {
  baseline: Summary;
  http: Summary;
}

/**
 * A warm-up of each, then `rounds` alternating baseline and HTTP runs. The machine's speed
 * drifts, so each round's ratio compares two runs made under the same conditions.
 */
export async function alternateRounds(options: {
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  baseline: (seconds: number) => Promise<Measurement>;
  http: (seconds: number) => Promise<Measurement>;
}): Promise<Round[]> {
  process.stderr.write(`warm-up: ${options.warmupSeconds} s each\n`);
  await options.baseline(options.warmupSeconds);
  await options.http(options.warmupSeconds);
  const rounds: Round[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    process.stderr.write(`round ${round}/${options.rounds}: baseline then HTTP, ${options.seconds} s each\n`);
    const baseline = summarise(await options.baseline(options.seconds));
    const http = summarise(await options.http(options.seconds));
    rounds.push({ baseline, http });
  }
  return rounds;
}

/** The environment, a table of the median runs, and the median of the per-round ratios against the goal. */
export function formatRoundsReport(
  rounds: readonly Round[],
  environment: Record<string, string>,
  labels: { unit: string; baseline: string; http: string; goal: number },
): string {
  const row = (label: string, s: Summary) =>
    `| ${label} | ${s.perSecond.toFixed(0)} | ${s.medianMs.toFixed(2)} | ${s.p99Ms.toFixed(2)} |`;
  const ratios = rounds.map((r) => r.http.perSecond / r.baseline.perSecond);
  const ratio = median(ratios);
  return [
    ...Object.entries(environment).map(([name, value]) => `- ${name}: ${value}`),
    '',
    `| run (median over rounds) | ${labels.unit}/s | median ms | p99 ms |`,
    '|---|---:|---:|---:|',
    row(labels.baseline, medianSummary(rounds.map((r) => r.baseline))),
    row(labels.http, medianSummary(rounds.map((r) => r.http))),
    '',
    `per-round HTTP / baseline: ${ratios.map(formatPercent).join(', ')}`,
    `HTTP / baseline (median of rounds): ${formatPercent(ratio)} (goal ≥ ${labels.goal * 100} %: ${ratio >= labels.goal ? 'met' : 'NOT met'})`,
  ].join('\n');
}
