/**
 * Reads of a 100-secret environment per second, over HTTP (GET /api/projects/:id/envs/:env/secrets
 * with a PAT), against a baseline measured in the same run: the SELECT of the 100 ciphertexts
 * plus 100 AES-256-GCM decryptions, issued directly with the pg driver. Goal: ≥ 60 %.
 *
 * The baseline is the floor of any encrypted store's read; the ratio shows what Pavise adds on
 * top: HTTP, authentication (the PAT lookup), membership and branch resolution, the rate-limit
 * counter, the hash-chained audit entry every read appends, and JSON.
 *
 * Run with `npm run bench:vault` (PostgreSQL; see bench/src/server/lib/scratch-database.ts for the URL).
 * BENCH_SECONDS (default 5), BENCH_ROUNDS (default 5), BENCH_WARMUP_SECONDS (default 2).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { LocalMasterKeys } from '../../../packages/server/dist/src/crypto/key-provider.js';
import { DataKeys } from '../../../packages/server/dist/src/vault/crypto/data-keys.js';
import { decryptValue } from '../../../packages/server/dist/src/vault/crypto/secret-values.js';
import { runBench, withPool } from './lib/bench-run.js';
import { createUserWithPat } from './lib/bench-user.js';
import { closedLoop } from './lib/closed-loop.js';
import { runHttpLoad } from './lib/http-load.js';
import { alternateRounds, formatRoundsReport } from './lib/rounds.js';
import { startServerProcess } from './lib/server-process.js';
import { type Measurement, secondsFromEnv } from './lib/stats.js';

const PAVISE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/server/bin/pavise.js');
const CONCURRENCY = 16;
const SECRETS = 100;
const ENVIRONMENT = 'production';
/** The server's default PAVISE_DB_POOL_MAX: the baseline gets the same number of connections. */
const BASELINE_POOL_MAX = 10;
const GOAL = 0.6;

const BASELINE_SQL = `SELECT key, ciphertext FROM vault.secrets
WHERE project_id = $1 AND environment = $2 AND branch_id = $3 AND NOT deleted ORDER BY key`;

interface Fixture {
  pat: string;
  projectId: string;
  mainBranchId: string;
  secrets: Record<string, string>;
}

/** A user and PAT made with Pavise's own service, then a project and its secrets over HTTP. */
async function createFixture(url: string, databaseUrl: string): Promise<Fixture> {
  const pat = await createUserWithPat(databaseUrl, 'vault-bench@example.com');
  const call = async (route: string, body?: unknown) => {
    const response = await fetch(`${url}/api${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await response.json()) as any;
    if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const project = await call('/project', { name: 'Vault bench' });
  const secrets = Object.fromEntries(
    Array.from({ length: SECRETS }, (_, i) => [
      `SECRET_${String(i).padStart(3, '0')}`,
      randomBytes(24).toString('base64url'),
    ]),
  );
  await call(`/projects/${project.id}/envs/${ENVIRONMENT}/secrets`, { secrets });
  const read = await call(`/projects/${project.id}/envs/${ENVIRONMENT}/secrets`);
  if (JSON.stringify(read) !== JSON.stringify(secrets))
    throw new Error('the server did not return the secrets it was given');
  const branches = (await call(`/branch?projectId=${project.id}`)) as { id: string; name: string }[];
  return { pat, projectId: project.id, mainBranchId: branches.find((b) => b.name === 'main')!.id, secrets };
}

/** The same read with the driver: one SELECT, then every value decrypted. */
function runBaseline(pool: pg.Pool, dataKey: Buffer, fixture: Fixture, seconds: number): Promise<Measurement> {
  return closedLoop(CONCURRENCY, seconds, async () => {
    const result = await pool.query<{ key: string; ciphertext: Buffer }>({
      name: 'bench.vault-read',
      text: BASELINE_SQL,
      values: [fixture.projectId, ENVIRONMENT, fixture.mainBranchId],
    });
    const values: Record<string, string> = {};
    for (const row of result.rows)
      values[row.key] = decryptValue(dataKey, fixture.projectId, ENVIRONMENT, row.key, row.ciphertext);
    if (result.rows.length !== SECRETS) throw new Error(`baseline read ${result.rows.length} secrets`);
    JSON.stringify(values);
  });
}

function runHttp(url: string, fixture: Fixture, seconds: number): Promise<Measurement> {
  return runHttpLoad({
    url: `${url}/api/projects/${fixture.projectId}/envs/${ENVIRONMENT}/secrets`,
    method: 'GET',
    headers: { authorization: `Bearer ${fixture.pat}` },
    connections: CONCURRENCY,
    seconds,
  });
}

runBench(async ({ scratch, defer }) => {
  const seconds = secondsFromEnv('BENCH_SECONDS', 5);
  const roundCount = Math.round(secondsFromEnv('BENCH_ROUNDS', 5));
  const warmupSeconds = secondsFromEnv('BENCH_WARMUP_SECONDS', 2);
  const masterKey = randomBytes(32);
  const server = await startServerProcess('pavise serve', [PAVISE_BIN, 'serve'], {
    DATABASE_URL: scratch.url,
    PAVISE_PORT: '0',
    PAVISE_LOG_FORMAT: 'json',
    PAVISE_BOOTSTRAP: 'false',
    PAVISE_MASTER_KEY: masterKey.toString('hex'),
    // Limiting stays on so its counter runs, with a limit no run can reach.
    PAVISE_RATE_LIMIT_VAULT: '1000000000/60',
  });
  defer(() => server.stop());
  const fixture = await createFixture(server.url, scratch.url);

  // The baseline opens the project's data key as the server does: unwrapped once, then cached.
  const rows = await withPool(
    scratch.url,
    1,
    async (pool) =>
      (
        await pool.query<{ wrapped_key: Buffer; master_key_id: string }>(
          'SELECT wrapped_key, master_key_id FROM vault.data_keys WHERE project_id = $1',
          [fixture.projectId],
        )
      ).rows,
  );
  const dataKey = await new DataKeys(new LocalMasterKeys([masterKey])).unwrap(fixture.projectId, {
    wrapped: rows[0]!.wrapped_key,
    masterKeyId: rows[0]!.master_key_id,
  });

  const rounds = await alternateRounds({
    warmupSeconds,
    seconds,
    rounds: roundCount,
    baseline: (runSeconds) =>
      withPool(scratch.url, BASELINE_POOL_MAX, (pool) => runBaseline(pool, dataKey, fixture, runSeconds)),
    http: (runSeconds) => runHttp(server.url, fixture, runSeconds),
  });
  process.stdout.write(
    `${formatRoundsReport(
      rounds,
      {
        node: process.version,
        CPUs: String(os.availableParallelism()),
        PostgreSQL: scratch.serverVersion,
        workload: `${SECRETS} secrets of 32 characters, one environment, main branch; ${CONCURRENCY} concurrent clients; baseline pool ${BASELINE_POOL_MAX}`,
        duration: `${roundCount} rounds of ${seconds} s baseline + ${seconds} s HTTP, after ${warmupSeconds} s warm-up each`,
      },
      {
        unit: 'reads',
        baseline: 'baseline (pg driver: SELECT + 100 AES-GCM decryptions)',
        http: 'HTTP (pavise serve, GET …/secrets)',
        goal: GOAL,
      },
    )}\n`,
  );
});
