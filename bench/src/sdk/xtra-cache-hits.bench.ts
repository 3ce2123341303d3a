/**
 * XtraClient cache hits per second: getSecrets of a cached 100-secret environment, awaited, in a
 * tight loop. Goal: ≥ 1 million per second. The baseline, run in the same process, is the least
 * any promise-returning cache can do: a Map lookup and an awaited resolved promise.
 *
 * Run with `npm run bench:vault` (after the server benchmark) or `node bench/dist/sdk/xtra-cache-hits.bench.js`.
 * BENCH_HITS: hits per run (default 3,000,000); BENCH_ROUNDS: runs of each (default 5).
 */
import { XtraClient } from '@pavise/sdk';
import { startTestServer } from '@pavise/server/test-harness';

const GOAL_PER_SECOND = 1_000_000;
const hits = Number(process.env.BENCH_HITS ?? 3_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

async function perSecond(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return hits / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const server = await startTestServer({ PAVISE_LOG_LEVEL: 'warn' });
  try {
    const token = server.bootstrap!.pat;
    const api = (path: string, body: unknown) => server.call(`/api${path}`, { token, body });
    const project = (await api('/project', { name: 'Cache bench' })).body;
    const secrets = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`SECRET_${i}`, `value-${i}`]));
    const written = await api(`/projects/${project.id}/envs/production/secrets`, { secrets });
    if (written.status !== 200) throw new Error(`writing the fixture failed: ${written.text}`);

    const client = new XtraClient({ token, projectId: project.id, apiUrl: `${server.url}/api`, cacheTtl: 3600 });
    const first = await client.getSecrets('production');
    if (Object.keys(first).length !== 100) throw new Error('the client did not read the 100 secrets');

    const map = new Map([['key', first]]);
    const sdk: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(
        await perSecond(async () => {
          for (let i = 0; i < hits; i++) await Promise.resolve(map.get('key'));
        }),
      );
      sdk.push(
        await perSecond(async () => {
          for (let i = 0; i < hits; i++) await client.getSecrets('production');
        }),
      );
    }
    const hitsPerSecond = median(sdk);
    const format = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
    process.stdout.write(
      `${[
        `- node: ${process.version}; ${hits.toLocaleString('en')} awaited hits per run, ${rounds} runs each, median`,
        '',
        '| run | hits per second |',
        '|---|---:|',
        `| baseline (Map.get + awaited resolved promise) | ${format(median(baseline))} |`,
        `| XtraClient.getSecrets (cache hit) | ${format(hitsPerSecond)} |`,
        '',
        `XtraClient / baseline: ${((hitsPerSecond / median(baseline)) * 100).toFixed(1)} %; goal ≥ 1 M/s: ${hitsPerSecond >= GOAL_PER_SECOND ? 'met' : 'NOT met'}`,
      ].join('\n')}\n`,
    );
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
