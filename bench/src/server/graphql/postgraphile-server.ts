/**
 * A PostGraphile v5 server for the GraphQL benchmark, which spawns it as a child process and
 * compares Pavise's GraphQL engine with it over the same PostgreSQL tables.
 *
 * It is meant to be a fair opponent, so it runs PostGraphile as one would in production:
 * - production mode (GRAPHILE_ENV=production, read when grafast is loaded: hence the dynamic
 *   imports below), the amber preset with its default caches, no GraphiQL, no explain, no watch
 *   mode, no websockets or subscriptions;
 * - the rule Pavise's `user` role enforces ("the caller is a member of the controller") enforced
 *   by row-level security for a role `pavise_bench_user`, set up idempotently on start;
 * - a pool of 10 connections, Pavise's default;
 * - the HS256 JWT verified on every request with a key made once at start-up, as Pavise does.
 *
 * Environment: DATABASE_URL (a database migrated by Pavise; its user must be a superuser),
 * PORT (0 for any free port), JWT_SECRET (the raw HS256 key the benchmark signs with).
 * Prints `ready at http://127.0.0.1:<port>` once listening; GraphQL is at /graphql, e.g.
 *   { allDataSubjects(first: 10, orderBy: CREATED_AT_ASC) {
 *       nodes { rowId did createdAt dataControllerByDataControllerId { rowId title } } } }
 * (amber names a table's `id` column `rowId`; `id` is the Relay global node id).
 *
 * Run: node bench/dist/server/graphql/postgraphile-server.js
 */
import { createSecretKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import pg from 'pg';

// PostGraphile 5.1 declares node >= 22, but the only newer API it uses is Promise.withResolvers
// (ES2024): on Node 20, Pavise's runtime, every query fails without it. Same behaviour as native.
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};
if (typeof (Promise as { withResolvers?: WithResolvers }).withResolvers !== 'function') {
  const withResolvers: WithResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
  });
}

// Read once when grafast (and pg-sql2, tamedevil) is loaded; an explicit GRAPHILE_ENV still wins.
process.env.GRAPHILE_ENV ??= 'production';
const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

const databaseUrl = requiredEnv('DATABASE_URL');
const port = Number(process.env.PORT ?? '0');
const jwtKey = createSecretKey(Buffer.from(requiredEnv('JWT_SECRET'), 'utf8'));

const ROLE = 'pavise_bench_user';
const SETUP_SQL = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
    CREATE ROLE ${ROLE} NOLOGIN;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO ${ROLE};
GRANT SELECT ON public.data_controllers, public.data_controller_users, public.data_subjects TO ${ROLE};

-- Written the way PostGraphile's own guides write such policies, so the planner can inline them:
-- plain EXISTS subqueries on the membership table. Only the membership table's own policy
-- needs a SECURITY DEFINER function (it would otherwise recurse into itself); the subqueries
-- below ask for the caller's own rows, which its first, inlinable branch admits.
CREATE OR REPLACE FUNCTION public.pavise_bench_is_member(controller uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.data_controller_users m
    WHERE m.data_controller_id = controller
      AND m.user_id = nullif(current_setting('jwt.claims.user_id', true), '')::uuid
  )
$$;
REVOKE ALL ON FUNCTION public.pavise_bench_is_member(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.pavise_bench_is_member(uuid) TO ${ROLE};

ALTER TABLE public.data_controllers ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.data_controller_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.data_subjects ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS pavise_bench_member ON public.data_controllers;
DROP POLICY IF EXISTS pavise_bench_member ON public.data_controller_users;
DROP POLICY IF EXISTS pavise_bench_member ON public.data_subjects;
CREATE POLICY pavise_bench_member ON public.data_controller_users FOR SELECT TO ${ROLE}
  USING (user_id = nullif(current_setting('jwt.claims.user_id', true), '')::uuid
         OR public.pavise_bench_is_member(data_controller_id));
CREATE POLICY pavise_bench_member ON public.data_controllers FOR SELECT TO ${ROLE}
  USING (EXISTS (SELECT 1 FROM public.data_controller_users m
                 WHERE m.data_controller_id = data_controllers.id
                   AND m.user_id = nullif(current_setting('jwt.claims.user_id', true), '')::uuid));
CREATE POLICY pavise_bench_member ON public.data_subjects FOR SELECT TO ${ROLE}
  USING (EXISTS (SELECT 1 FROM public.data_controller_users m
                 WHERE m.data_controller_id = data_subjects.data_controller_id
                   AND m.user_id = nullif(current_setting('jwt.claims.user_id', true), '')::uuid));
`;

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
{
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(SETUP_SQL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Thrown from the context callback: grafserv answers with this status and a GraphQL error. */
function unauthorized(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 401 });
}

/** Verifies the request's bearer token and returns the user id of its Hasura claims. */
async function userIdOf(authorization: string | undefined): Promise<string> {
  const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw unauthorized('missing bearer token');
  const { payload } = await jwtVerify(match[1], jwtKey, { algorithms: ['HS256'] }).catch(() => {
    throw unauthorized('invalid token');
  });
  const claims = payload['https://hasura.io/jwt/claims'] as Record<string, unknown> | undefined;
  const userId = claims?.['x-hasura-user-id'];
  if (typeof userId !== 'string') throw unauthorized('token has no x-hasura-user-id');
  return userId;
}

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  // By default v5 offers orderBy/filter only on indexed columns; Pavise orders data_subjects by
  // created_at, which has no index. Turning this off is what v4's default `ignoreIndexes` did.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'], pubsub: false })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false, websockets: false },
  grafast: {
    explain: false,
    async context(requestContext) {
      const userId = await userIdOf(requestContext.http?.getHeader('authorization'));
      return { pgSettings: { role: ROLE, 'jwt.claims.user_id': userId } };
    },
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
await serv.addTo(server, false);
await pgl.getSchema(); // introspect and build the schema before saying we are ready

server.listen(port, '127.0.0.1', () => {
  const { port: boundPort } = server.address() as AddressInfo;
  console.log(`ready at http://127.0.0.1:${boundPort}`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.resolve(pgl.release()) // releases serv too
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
});
