/**
 * PAT sign-ins per second on PostgreSQL over HTTP, against a baseline measured in the same run:
 * the same SQL statements a sign-in performs plus the JWT signature, issued directly with the
 * driver in a loop. Goal: ≥ 70 % of the baseline; median and p99 latency are reported too.
 *
 * The baseline is the floor of what any implementation must do per sign-in (two round trips and
 * one signature), so the ratio isolates what Pavise adds on top: HTTP, routing, validation,
 * logging, JSON and the rate-limiter plumbing.
 *
 * Run with `npm run bench:auth`. Environment:
 *   PAVISE_BENCH_DATABASE_URL, else DATABASE_URL: the PostgreSQL server (a scratch database is
 *     created on it and dropped afterwards); default postgres://postgres@127.0.0.1:5432/postgres
 *   BENCH_SECONDS: measured seconds per run (default 5)
 *   BENCH_ROUNDS: rounds of (baseline, HTTP) pairs (default 5)
 *   BENCH_WARMUP_SECONDS: warm-up seconds before the first round (default 2)
 *
 * The machine's speed drifts (a shared virtual machine moves even the baseline by a third between
 * minutes), so the two runs alternate in short rounds and the figure reported is the median of
 * the per-round ratios: each ratio compares runs made under the same conditions.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { JwtKeys } from '../../../packages/server/dist/src/auth/jwt.js';
import { AuthService, PAT_SIGN_IN_SQL } from '../../../packages/server/dist/src/auth/service.js';
import { generateToken, hashToken, randomPassword } from '../../../packages/server/dist/src/auth/tokens.js';
import { type Config, loadConfig } from '../../../packages/server/dist/src/config/config.js';
import { parseJwtSecret } from '../../../packages/server/dist/src/config/jwt-secret.js';
import { migrate } from '../../../packages/server/dist/src/db/migrate.js';
import { openDatabase } from '../../../packages/server/dist/src/db/open.js';
import { windowStart } from '../../../packages/server/dist/src/rate-limit/limiter.js';
import { credentialKey, ipKey } from '../../../packages/server/dist/src/rate-limit/signin-limiter.js';
import { ADD_HITS_SQL } from '../../../packages/server/dist/src/rate-limit/sql-store.js';
import { runBench, withPool } from './lib/bench-run.js';
import { closedLoop } from './lib/closed-loop.js';
import { runHttpLoad } from './lib/http-load.js';
import { alternateRounds, formatRoundsReport } from './lib/rounds.js';
import { startServerProcess } from './lib/server-process.js';
import { type Measurement, secondsFromEnv } from './lib/stats.js';

const PAVISE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/server/bin/pavise.js');
/** One PAT per connection / loop, so no two in-flight sign-ins contend for the same rows. */
const CONCURRENCY = 16;
/** The server's default PAVISE_DB_POOL_MAX: the baseline gets the same number of connections. */
const BASELINE_POOL_MAX = 10;
/** autocannon connects from loopback, so the server sees this client IP. */
const CLIENT_IP = '127.0.0.1';
const GOAL = 0.7;

// --- fixtures ---------------------------------------------------------------------------------

/** Users and PATs created with Pavise's own service against the server's database. */
async function createPats(config: Config, count: number): Promise<string[]> {
  const db = await openDatabase(config);
  try {
    await migrate(db); // a no-op: the server has migrated; kept so the order never matters
    const auth = await AuthService.create(db, config);
    const expiresAt = new Date(Date.now() + 86_400_000);
    return await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const user = await auth.createUser({
          email: `bench${i}@example.com`,
          password: randomPassword(),
          emailVerified: true,
        });
        return (await auth.createPat(user.id, expiresAt)).personalAccessToken;
      }),
    );
  } finally {
    await db.close();
  }
}

/** One sign-in over HTTP before measuring, so a broken setup fails with the server's own answer. */
async function checkSignIn(url: string, pat: string): Promise<void> {
  const response = await fetch(`${url}/v1/signin/pat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ personalAccessToken: pat }),
  });
  const body = (await response.json()) as { session?: { accessToken?: unknown } };
  if (response.status !== 200 || typeof body.session?.accessToken !== 'string') {
    throw new Error(`sign-in check failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
}

// --- baseline: the sign-in's statements and signature, straight through the driver ------------

interface BaselineContext {
  pool: pg.Pool;
  keys: JwtKeys;
  config: Config;
}

interface SignInRow {
  id: string;
  roles: string[];
  default_role: string;
  refresh_token_id: string | null;
}

/**
 * Exactly what one PAT sign-in sends, in the same order and as the same named prepared
 * statements: the rate-limit upsert of SignInLimiter.admit, the sign-in statement of
 * AuthService.signInWithPat, then the access-token signature.
 */
async function signInDirectly({ pool, keys, config }: BaselineContext, pat: string): Promise<void> {
  const now = Date.now();
  const entries = [
    { key: ipKey(CLIENT_IP), windowMs: config.rateLimit.ipFailures.windowSeconds * 1000, cost: 0 },
    { key: credentialKey(`pat:${pat}`), windowMs: config.rateLimit.perCredential.windowSeconds * 1000, cost: 1 },
  ];
  await pool.query({
    name: 'ratelimit.add',
    text: ADD_HITS_SQL,
    values: [
      entries.map((e) => e.key),
      entries.map((e) => windowStart(now, e.windowMs)),
      entries.map((e) => e.windowMs),
      entries.map((e) => e.cost),
    ],
  });
  const result = await pool.query<SignInRow>({
    name: 'auth.signin-pat',
    text: PAT_SIGN_IN_SQL,
    values: [hashToken(pat), hashToken(generateToken('rt')), config.refreshTokenExpiresIn, now],
  });
  const row = result.rows[0];
  if (!row?.refresh_token_id) throw new Error('baseline sign-in found no live PAT or enabled user');
  await keys.sign(
    { userId: row.id, allowedRoles: row.roles, defaultRole: row.default_role },
    config.accessTokenExpiresIn,
  );
}

/** One loop per PAT, each running sign-ins back to back until the deadline. */
function runBaseline(context: BaselineContext, pats: readonly string[], seconds: number): Promise<Measurement> {
  return closedLoop(pats.length, seconds, (worker) => signInDirectly(context, pats[worker]!));
}

// --- HTTP run ---------------------------------------------------------------------------------

/** One connection per PAT, each sending its own sign-in for the whole run. */
function runHttp(url: string, pats: readonly string[], seconds: number): Promise<Measurement> {
  return runHttpLoad({
    url: `${url}/v1/signin/pat`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: pats.length,
    seconds,
    body: (connection) => JSON.stringify({ personalAccessToken: pats[connection % pats.length] }),
  });
}

// --- main -------------------------------------------------------------------------------------

runBench(async ({ scratch, defer }) => {
  const seconds = secondsFromEnv('BENCH_SECONDS', 5);
  const roundCount = Math.round(secondsFromEnv('BENCH_ROUNDS', 5));
  const warmupSeconds = secondsFromEnv('BENCH_WARMUP_SECONDS', 2);
  const jwtSecret = JSON.stringify({ type: 'HS256', key: randomBytes(48).toString('base64url') });
  const serverEnv = {
    DATABASE_URL: scratch.url,
    PAVISE_PORT: '0',
    PAVISE_LOG_FORMAT: 'json',
    PAVISE_BOOTSTRAP: 'false',
    PAVISE_JWT_SECRET: jwtSecret,
    // Limiting stays on so its SQL runs, with a limit no run can reach.
    PAVISE_RATE_LIMIT_PER_CREDENTIAL: '1000000000/60',
  };
  // Parsed by Pavise's own loader, so the baseline uses the very windows and lifetimes the server does.
  const config = loadConfig(serverEnv, os.tmpdir());
  const server = await startServerProcess('pavise serve', [PAVISE_BIN, 'serve'], serverEnv);
  defer(() => server.stop());
  const pats = await createPats(config, CONCURRENCY);
  await checkSignIn(server.url, pats[0]!);

  // Each run has the CPU to itself: the server idles during the baseline, and the baseline's
  // pool is closed during the HTTP run.
  const keys = await JwtKeys.fromConfig(parseJwtSecret(jwtSecret));
  const rounds = await alternateRounds({
    warmupSeconds,
    seconds,
    rounds: roundCount,
    baseline: (runSeconds) =>
      withPool(scratch.url, BASELINE_POOL_MAX, (pool) => runBaseline({ pool, keys, config }, pats, runSeconds)),
    http: (runSeconds) => runHttp(server.url, pats, runSeconds),
  });

  const report = formatRoundsReport(
    rounds,
    {
      node: process.version,
      CPUs: String(os.availableParallelism()),
      PostgreSQL: scratch.serverVersion,
      concurrency: `${CONCURRENCY} (one PAT each); baseline pool ${BASELINE_POOL_MAX} connections`,
      duration: `${roundCount} rounds of ${seconds} s baseline + ${seconds} s HTTP, after ${warmupSeconds} s warm-up each`,
    },
    { unit: 'sign-ins', baseline: 'baseline (pg driver + JWT)', http: 'HTTP (pavise serve)', goal: GOAL },
  );
  process.stdout.write(`${report}\n`);
});
