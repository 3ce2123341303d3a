/**
 * GraphQL list queries per second on PostgreSQL, three servers over the same tables and rows:
 *   (a) Pavise (`pavise serve`),
 *   (b) PostGraphile v5, the same rule enforced by row-level security (bench/src/server/graphql/postgraphile-server.ts),
 *   (c) a bare baseline: the statement Pavise generates, run by the `pg` driver behind a minimal
 *       HTTP handler (bench/src/server/graphql/bare-server.ts).
 * The query: 10 data subjects with their data controller, as role `user`, whose row filter keeps
 * the controllers the caller is a member of. Goals: Pavise ≥ 1.5 × PostGraphile and ≥ 70 % of the
 * bare baseline. A second, in-process measurement gives the CPU time the engine spends per cached
 * request, the database round trip excluded (goal ≤ 50 µs).
 *
 * Run with `npm run bench:graphql`. Environment as for bench:auth: PAVISE_BENCH_DATABASE_URL,
 * else DATABASE_URL (a scratch database is created there and dropped); BENCH_SECONDS (per run,
 * default 5), BENCH_ROUNDS (default 5), BENCH_WARMUP_SECONDS (default 2).
 *
 * Each server is its own Node process, as in production, and the three HTTP runs of a round
 * follow each other, so only one server is busy at a time. The machine's speed drifts, so the
 * ratios reported are medians of per-round ratios.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { JwtKeys } from '../../../packages/server/dist/src/auth/jwt.js';
import { parseJwtSecret } from '../../../packages/server/dist/src/config/jwt-secret.js';
import { LocalMasterKeys } from '../../../packages/server/dist/src/crypto/key-provider.js';
import type { Database, Queryable, QueryOptions } from '../../../packages/server/dist/src/db/database.js';
import { openPostgres } from '../../../packages/server/dist/src/db/postgres.js';
import { GraphQLEngine, type Session } from '../../../packages/server/dist/src/graphql/engine.js';
import { createPrivacyModel } from '../../../packages/server/dist/src/privacy/model/index.js';
import { privacyServices } from '../../../packages/server/dist/src/privacy/services.js';
import { runHttpLoad } from './lib/http-load.js';
import { benchAdminUrl, createScratchDatabase } from './lib/scratch-database.js';
import { type ServerProcess, startServerProcess } from './lib/server-process.js';
import { formatPercent, median, medianSummary, type Summary, secondsFromEnv, summarise } from './lib/stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAVISE_BIN = path.resolve(HERE, '../../../packages/server/bin/pavise.js');
const CONNECTIONS = 16;
const CONTROLLERS = 20;
const SUBJECTS_PER_CONTROLLER = 500;
/** Controllers the benchmark's user is a member of; the other 18 belong to other tenants. */
const MEMBER_OF = 2;
const GOALS = { overPostGraphile: 1.5, ofBare: 0.7, engineMicros: 50 };
const ENGINE_ITERATIONS = 2_000;

const PAVISE_QUERY = `query BenchList {
  dataSubjects(limit: 10, order_by: {createdAt: asc}) { id did createdAt dataController { id title } }
}`;
const POSTGRAPHILE_QUERY = `query BenchList {
  allDataSubjects(first: 10, orderBy: CREATED_AT_ASC) { nodes { rowId did createdAt dataControllerByDataControllerId { rowId title } } }
}`;
// (PostGraphile's amber preset calls a table's id column rowId; its id is the Relay node id.)

interface Fixture {
  userId: string;
  memberControllerIds: Set<string>;
}

// --- fixtures ---------------------------------------------------------------------------------

/** 20 controllers of 500 subjects each, every controller with its own owner; the bench user owns 2. */
async function seed(db: Queryable): Promise<Fixture> {
  const users = await db.query<{ id: string }>(
    `INSERT INTO auth.users (email, email_verified) SELECT 'bench' || i || '@example.com', true FROM generate_series(1, $1::int) AS i RETURNING id`,
    [CONTROLLERS - MEMBER_OF + 1],
  );
  const controllers = await db.query<{ id: string }>(
    `INSERT INTO public.data_controllers (title, email) SELECT 'Controller ' || i, 'privacy@c' || i || '.example' FROM generate_series(1, $1::int) AS i RETURNING id`,
    [CONTROLLERS],
  );
  const owners = controllers.map((_, i) => users[Math.max(0, i - MEMBER_OF + 1)]!.id);
  await db.query(
    `INSERT INTO public.data_controller_users (data_controller_id, user_id, role) SELECT * , 'owner' FROM unnest($1::uuid[], $2::uuid[])`,
    [controllers.map((c) => c.id), owners],
  );
  // Created one second apart, interleaving the controllers, so ordering by createdAt mixes tenants.
  await db.query(
    `INSERT INTO public.data_subjects (data_controller_id, did, created_at)
     SELECT c.id, 'did:dep:' || md5(c.id::text || s), timestamptz '2026-01-01' + (s * $2::int + c.n) * interval '1 second'
     FROM unnest($1::uuid[]) WITH ORDINALITY AS c (id, n), generate_series(1, $3::int) AS s`,
    [controllers.map((c) => c.id), CONTROLLERS, SUBJECTS_PER_CONTROLLER],
  );
  await db.exec('ANALYZE');
  return { userId: users[0]!.id, memberControllerIds: new Set(controllers.slice(0, MEMBER_OF).map((c) => c.id)) };
}

// --- the statement Pavise runs -----------------------------------------------------------------

/** A Database that remembers the last statement sent through it. */
function recording(db: Database): Database & { last?: { text: string; values: unknown[] } } {
  const wrapper: Database & { last?: { text: string; values: unknown[] } } = {
    ...db,
    query(sql: string, params: readonly unknown[] = [], options?: QueryOptions) {
      wrapper.last = { text: sql, values: [...params] };
      return db.query(sql, params, options);
    },
  };
  return wrapper;
}

// --- checks -----------------------------------------------------------------------------------

interface SubjectRow {
  id: string;
  dataController: { id: string; title: string };
}

/** Every side must answer 10 rows, each with its controller, all of the caller's controllers. */
function checkRows(label: string, rows: SubjectRow[] | undefined, fixture: Fixture): void {
  if (!Array.isArray(rows) || rows.length !== 10)
    throw new Error(`${label}: expected 10 rows, got ${JSON.stringify(rows)?.slice(0, 300)}`);
  for (const row of rows) {
    if (!fixture.memberControllerIds.has(row.dataController?.id))
      throw new Error(`${label}: row outside the caller's controllers: ${JSON.stringify(row)}`);
  }
}

async function post(url: string, token: string, query: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (response.status !== 200 || body.errors)
    throw new Error(`${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

// --- engine CPU per cached request -------------------------------------------------------------

/**
 * CPU time of ENGINE_ITERATIONS sequential engine.execute calls minus that of the same number of
 * the very statement run directly through the same Database: what remains is the engine's own
 * work per request (plan-cache lookup, variable coercion, compilation, result assembly).
 */
async function engineMicrosPerRequest(
  engine: GraphQLEngine,
  db: Database,
  session: Session,
  statement: { text: string; values: unknown[] },
): Promise<{ engine: number; direct: number }> {
  const request = { query: PAVISE_QUERY };
  const options: QueryOptions = { name: 'bench_direct' };
  const cpuMicros = async (work: () => Promise<unknown>) => {
    const before = process.cpuUsage();
    for (let i = 0; i < ENGINE_ITERATIONS; i++) await work();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / ENGINE_ITERATIONS;
  };
  const viaEngine = () => engine.execute(request, session);
  const direct = () => db.query(statement.text, statement.values, options);
  await cpuMicros(viaEngine);
  await cpuMicros(direct);
  const rounds: { engine: number; direct: number }[] = [];
  for (let round = 0; round < 5; round++)
    rounds.push({ direct: await cpuMicros(direct), engine: await cpuMicros(viaEngine) });
  return { engine: median(rounds.map((r) => r.engine)), direct: median(rounds.map((r) => r.direct)) };
}

/**
 * Roles are cluster-wide: the one PostGraphile's server created outlives the scratch database
 * unless dropped. It owns nothing once that database is gone.
 */
async function dropPostGraphileRole(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    await client.query('DROP ROLE IF EXISTS pavise_bench_user');
  } catch (error) {
    process.stderr.write(
      `could not drop the role pavise_bench_user: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

// --- report -----------------------------------------------------------------------------------

type Side = 'bare' | 'pavise' | 'postgraphile';
const SIDES: Side[] = ['bare', 'pavise', 'postgraphile'];
const LABELS: Record<Side, string> = {
  bare: 'bare (pg driver + node:http, same SQL)',
  pavise: 'Pavise (pavise serve)',
  postgraphile: 'PostGraphile v5 (RLS)',
};

function formatReport(
  rounds: Record<Side, Summary>[],
  cpu: { engine: number; direct: number },
  environment: Record<string, string>,
): string {
  const ofBare = rounds.map((r) => r.pavise.perSecond / r.bare.perSecond);
  const overPostGraphile = rounds.map((r) => r.pavise.perSecond / r.postgraphile.perSecond);
  const engineMicros = cpu.engine - cpu.direct;
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  return [
    ...Object.entries(environment).map(([name, value]) => `- ${name}: ${value}`),
    '',
    '| server (median over rounds) | requests/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...SIDES.map((side) => {
      const s = medianSummary(rounds.map((r) => r[side]));
      return `| ${LABELS[side]} | ${s.perSecond.toFixed(0)} | ${s.medianMs.toFixed(2)} | ${s.p99Ms.toFixed(2)} |`;
    }),
    '',
    `per-round Pavise / bare: ${ofBare.map(formatPercent).join(', ')}`,
    `per-round Pavise / PostGraphile: ${overPostGraphile.map((r) => `${r.toFixed(2)} ×`).join(', ')}`,
    `Pavise / bare (median of rounds): ${formatPercent(median(ofBare))} (goal ≥ ${GOALS.ofBare * 100} %: ${verdict(median(ofBare) >= GOALS.ofBare)})`,
    `Pavise / PostGraphile (median of rounds): ${median(overPostGraphile).toFixed(2)} × (goal ≥ ${GOALS.overPostGraphile} ×: ${verdict(median(overPostGraphile) >= GOALS.overPostGraphile)})`,
    `engine CPU per cached request: ${engineMicros.toFixed(1)} µs (engine.execute ${cpu.engine.toFixed(1)} µs − direct statement ${cpu.direct.toFixed(1)} µs; goal ≤ ${GOALS.engineMicros} µs: ${verdict(engineMicros <= GOALS.engineMicros)})`,
  ].join('\n');
}

// --- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const seconds = secondsFromEnv('BENCH_SECONDS', 5);
  const roundCount = Math.round(secondsFromEnv('BENCH_ROUNDS', 5));
  const warmupSeconds = secondsFromEnv('BENCH_WARMUP_SECONDS', 2);
  const jwtKey = randomBytes(48).toString('base64url');
  const jwtSecret = JSON.stringify({ type: 'HS256', key: jwtKey });

  const scratch = await createScratchDatabase(benchAdminUrl());
  const servers: Partial<Record<Side, ServerProcess>> = {};
  let db: Database | undefined;
  const cleanUp = async () => {
    await Promise.allSettled([...Object.values(servers).map((s) => s.stop()), db?.close()]);
    await scratch.drop().catch((error: unknown) => {
      process.stderr.write(
        `could not drop the scratch database: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    });
    await dropPostGraphileRole(benchAdminUrl());
  };
  const onSigint = () => {
    process.stderr.write('interrupted: cleaning up\n');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    // Pavise first: it migrates the scratch database that all three then share.
    servers.pavise = await startServerProcess('pavise serve', [PAVISE_BIN, 'serve'], {
      DATABASE_URL: scratch.url,
      PAVISE_PORT: '0',
      PAVISE_LOG_FORMAT: 'json',
      PAVISE_BOOTSTRAP: 'false',
      PAVISE_JWT_SECRET: jwtSecret,
    });
    db = recording(await openPostgres(scratch.url, 1));
    const fixture = await seed(db);
    const token = await (await JwtKeys.fromConfig(parseJwtSecret(jwtSecret))).sign(
      { userId: fixture.userId, allowedRoles: ['user', 'me'], defaultRole: 'user' },
      3600,
    );

    // The statement Pavise's engine runs for the query, as the bare server's fixed statement.
    const engine = new GraphQLEngine(db, createPrivacyModel(privacyServices(new LocalMasterKeys([randomBytes(32)]))));
    const session: Session = {
      role: 'user',
      variables: {
        'x-hasura-role': 'user',
        'x-hasura-user-id': fixture.userId,
        'x-hasura-default-role': 'user',
        'x-hasura-allowed-roles': '{user,me}',
      },
    };
    const inProcess = JSON.parse(await engine.execute({ query: PAVISE_QUERY }, session));
    const statement = (db as ReturnType<typeof recording>).last!;
    checkRows('engine', inProcess.data?.dataSubjects, fixture);

    servers.bare = await startServerProcess('bare server', [path.join(HERE, 'graphql/bare-server.js')], {
      DATABASE_URL: scratch.url,
      PORT: '0',
      STATEMENT: JSON.stringify(statement),
    });
    servers.postgraphile = await startServerProcess(
      'PostGraphile',
      [path.join(HERE, 'graphql/postgraphile-server.js')],
      { DATABASE_URL: scratch.url, PORT: '0', JWT_SECRET: jwtKey },
    );

    const endpoints: Record<Side, { url: string; query: string }> = {
      bare: { url: `${servers.bare.url}/`, query: PAVISE_QUERY },
      pavise: { url: `${servers.pavise.url}/v1/graphql`, query: PAVISE_QUERY },
      postgraphile: { url: `${servers.postgraphile.url}/graphql`, query: POSTGRAPHILE_QUERY },
    };
    // The three answer the same rows; Pavise's HTTP answer is byte for byte the bare server's.
    const paviseText = JSON.stringify(await post(endpoints.pavise.url, token, PAVISE_QUERY));
    if (paviseText !== JSON.stringify(await post(endpoints.bare.url, token, PAVISE_QUERY)))
      throw new Error('the bare server answers differently from Pavise');
    checkRows('Pavise', JSON.parse(paviseText).data.dataSubjects, fixture);
    const postgraphile = await post(endpoints.postgraphile.url, token, POSTGRAPHILE_QUERY);
    const postgraphileRows = postgraphile.data.allDataSubjects.nodes.map((n: any) => ({
      id: n.rowId,
      dataController: {
        id: n.dataControllerByDataControllerId?.rowId,
        title: n.dataControllerByDataControllerId?.title,
      },
    }));
    checkRows('PostGraphile', postgraphileRows, fixture);
    if (
      JSON.stringify(postgraphileRows.map((r: SubjectRow) => r.id)) !==
      JSON.stringify(JSON.parse(paviseText).data.dataSubjects.map((r: SubjectRow) => r.id))
    ) {
      throw new Error('PostGraphile answers other rows than Pavise');
    }

    const load = (side: Side, runSeconds: number) =>
      runHttpLoad({
        url: endpoints[side].url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        connections: CONNECTIONS,
        seconds: runSeconds,
        body: JSON.stringify({ query: endpoints[side].query }),
      });
    process.stderr.write(`warm-up: ${warmupSeconds} s each\n`);
    for (const side of SIDES) await load(side, warmupSeconds);
    const rounds: Record<Side, Summary>[] = [];
    for (let round = 1; round <= roundCount; round++) {
      process.stderr.write(`round ${round}/${roundCount}: ${SIDES.join(', ')}, ${seconds} s each\n`);
      const result: Partial<Record<Side, Summary>> = {};
      for (const side of SIDES) result[side] = summarise(await load(side, seconds));
      rounds.push(result as Record<Side, Summary>);
    }

    process.stderr.write('engine CPU: in-process, sequential\n');
    const cpu = await engineMicrosPerRequest(engine, db, session, statement);

    const report = formatReport(rounds, cpu, {
      node: process.version,
      CPUs: String(os.availableParallelism()),
      PostgreSQL: scratch.serverVersion,
      data: `${CONTROLLERS} controllers × ${SUBJECTS_PER_CONTROLLER} subjects; the caller is a member of ${MEMBER_OF}`,
      load: `autocannon, ${CONNECTIONS} connections, one server busy at a time`,
      duration: `${roundCount} rounds of ${seconds} s per server, after ${warmupSeconds} s warm-up each`,
    });
    process.stdout.write(`${report}\n`);
  } finally {
    process.off('SIGINT', onSigint);
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
