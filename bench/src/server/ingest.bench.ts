/**
 * createDataSubject per second over HTTP (POST /v1/graphql with a JWT, a new person each time),
 * sequentially (1 client) and with 16 concurrent clients, against a baseline measured in the same
 * run that issues the same inserts directly with the pg driver in one transaction per subject:
 * the subject, its wrapped key, its sealed personal data, its identifiers and the processing
 * activity. Goal: ≥ 60 % of the baseline in both modes.
 *
 * The ratio shows what Pavise adds to the bare writes: HTTP, JWT verification, GraphQL parsing
 * and validation, the membership check, normalising and HMAC-hashing the identifiers, a fresh
 * subject key (wrapped) and the AES-GCM sealing of the payload, the dedupe lookup under an
 * advisory lock, and JSON. The baseline inserts random bytes of the same sizes: it does no crypto.
 *
 * Run with `npm run bench:ingest` (PostgreSQL; see bench/src/server/lib/scratch-database.ts for the URL).
 * BENCH_SECONDS (default 5), BENCH_ROUNDS (default 5), BENCH_WARMUP_SECONDS (default 2).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { runBench, withPool } from './lib/bench-run.js';
import { createUserWithPat } from './lib/bench-user.js';
import { closedLoop } from './lib/closed-loop.js';
import { runHttpLoad } from './lib/http-load.js';
import { alternateRounds, formatRoundsReport } from './lib/rounds.js';
import { startServerProcess } from './lib/server-process.js';
import { secondsFromEnv } from './lib/stats.js';

const PAVISE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/server/bin/pavise.js');
/** The server's default PAVISE_DB_POOL_MAX: the baseline gets the same number of connections. */
const BASELINE_POOL_MAX = 10;
const GOAL = 0.6;
const MUTATION =
  'mutation CreateDataSubject($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId message } }';

interface Fixture {
  accessToken: string;
  controllerId: string;
}

let people = 0;
/** A new person per call, so every request registers a new subject (no dedupe shortcut). */
function person(): Record<string, string> {
  const n = ++people;
  return {
    displayName: `Bench Person ${n}`,
    email: `bench.person.${n}.${randomBytes(4).toString('hex')}@example.com`,
    phone: `+4420${String(10_000_000 + n).slice(-8)}`,
    country: 'GB',
  };
}

/** A user and PAT made with Pavise's own service; a JWT and a data controller over HTTP. */
async function createFixture(url: string, databaseUrl: string): Promise<Fixture> {
  const pat = await createUserWithPat(databaseUrl, 'ingest-bench@example.com');
  const signIn = (await (
    await fetch(`${url}/v1/signin/pat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ personalAccessToken: pat }),
    })
  ).json()) as any;
  const accessToken = signIn.session.accessToken as string;
  const created = await graphql(
    url,
    accessToken,
    'mutation { insertDataController(object: {title: "Ingest bench"}) { id } }',
    {},
  );
  return { accessToken, controllerId: created.insertDataController.id };
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/v1/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  if (!response.ok || body.errors) throw new Error(`GraphQL: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** The same rows createDataSubject writes, inserted with the driver in one transaction. */
async function insertDirectly(pool: pg.Pool, controllerId: string, payload: Record<string, string>): Promise<void> {
  const client = await pool.connect();
  const subjectId = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query({
      name: 'bench.subject',
      text: 'INSERT INTO public.data_subjects (id, data_controller_id, did, jurisdiction) VALUES ($1, $2, $3, $4)',
      values: [subjectId, controllerId, `did:dep:${randomBytes(32).toString('hex')}`, 'GDPR'],
    });
    // The sizes Pavise stores: a 32-byte key sealed with AES-GCM (60 bytes), the JSON payload sealed (+28 bytes).
    await client.query({
      name: 'bench.key',
      text: 'INSERT INTO privacy.data_subject_keys (data_subject_id, data_controller_id, wrapped_key) VALUES ($1, $2, $3)',
      values: [subjectId, controllerId, randomBytes(60)],
    });
    await client.query({
      name: 'bench.data',
      text: 'INSERT INTO privacy.personal_data (data_controller_id, data_subject_id, event, sealed) VALUES ($1, $2, $3, $4)',
      values: [controllerId, subjectId, 'signup', randomBytes(Buffer.byteLength(JSON.stringify(payload)) + 28)],
    });
    await client.query({
      name: 'bench.identifiers',
      text: "INSERT INTO public.data_subject_identifiers (data_controller_id, data_subject_id, kind, hash) VALUES ($1, $2, 'email', $3), ($1, $2, 'phone', $4)",
      values: [controllerId, subjectId, randomBytes(32), randomBytes(32)],
    });
    await client.query({
      name: 'bench.activity',
      text: "INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, activity_type, event, data_fields, source) VALUES ($1, $2, 'collection', 'signup', $3, 'api')",
      values: [controllerId, subjectId, JSON.stringify(Object.keys(payload).sort())],
    });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

runBench(async ({ scratch, defer }) => {
  const seconds = secondsFromEnv('BENCH_SECONDS', 5);
  const roundCount = Math.round(secondsFromEnv('BENCH_ROUNDS', 5));
  const warmupSeconds = secondsFromEnv('BENCH_WARMUP_SECONDS', 2);
  const server = await startServerProcess('pavise serve', [PAVISE_BIN, 'serve'], {
    DATABASE_URL: scratch.url,
    PAVISE_PORT: '0',
    PAVISE_LOG_FORMAT: 'json',
    PAVISE_BOOTSTRAP: 'false',
    PAVISE_MASTER_KEY: randomBytes(32).toString('hex'),
    PAVISE_ACCESS_TOKEN_EXPIRES_IN: '86400',
  });
  defer(() => server.stop());
  const url = server.url;
  const fixture = await createFixture(url, scratch.url);
  const first = await graphql(url, fixture.accessToken, MUTATION, {
    input: { event: 'signup', dataControllerId: fixture.controllerId, payload: person() },
  });
  if (first.createDataSubject.message !== 'Data subject created')
    throw new Error(`unexpected answer ${JSON.stringify(first)}`);

  // autocannon as the HTTP client (as the other benches): a new person in every request body,
  // and every answer checked to be a created subject.
  const viaHttp = (clients: number, runSeconds: number) =>
    runHttpLoad({
      url: `${url}/v1/graphql`,
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.accessToken}`, 'content-type': 'application/json' },
      connections: clients,
      seconds: runSeconds,
      bodyPerRequest: () =>
        JSON.stringify({
          query: MUTATION,
          variables: { input: { event: 'signup', dataControllerId: fixture.controllerId, payload: person() } },
        }),
      checkBody: (body) => (body.includes('"Data subject created"') ? undefined : `answer ${body.slice(0, 200)}`),
    });
  const report: string[] = [];
  for (const clients of [1, 16]) {
    const poolSize = Math.min(clients, BASELINE_POOL_MAX);
    const baselineRun = (runSeconds: number) =>
      withPool(scratch.url, poolSize, (pool) =>
        closedLoop(clients, runSeconds, () => insertDirectly(pool, fixture.controllerId, person())),
      );
    process.stderr.write(`\n${clients === 1 ? 'sequential' : `${clients} concurrent clients`}\n`);
    const rounds = await alternateRounds({
      warmupSeconds,
      seconds,
      rounds: roundCount,
      baseline: baselineRun,
      http: (runSeconds) => viaHttp(clients, runSeconds),
    });
    report.push(
      `### ${clients === 1 ? 'Sequential (1 client)' : `${clients} concurrent clients`}\n\n${formatRoundsReport(
        rounds,
        {
          node: process.version,
          CPUs: String(os.availableParallelism()),
          PostgreSQL: scratch.serverVersion,
          workload: `a new person per call (displayName, email, phone, country); ${clients} client${clients === 1 ? '' : 's'}; baseline pool ${poolSize}`,
          duration: `${roundCount} rounds of ${seconds} s baseline + ${seconds} s HTTP, after ${warmupSeconds} s warm-up each`,
        },
        {
          unit: 'subjects',
          baseline: 'baseline (pg driver: the same 5 inserts in a transaction)',
          http: 'HTTP (pavise serve, createDataSubject)',
          goal: GOAL,
        },
      )}\n`,
    );
  }
  process.stdout.write(report.join('\n'));
});
