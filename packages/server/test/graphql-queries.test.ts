import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Database, Queryable } from '../src/db/database.js';
import { GraphQLEngine } from '../src/graphql/engine.js';
import { DEFAULT_LIMITS } from '../src/graphql/limits.js';
import { assertGraphqlError, graphqlError } from './helpers/http.js';
import { privacyModelOn } from './helpers/privacy-model.js';
import { unless } from './helpers/requirements.js';
import { importSeedSample, runSeedShell } from './helpers/seeds.js';
import { suiteServer } from './helpers/suite.js';
import { graphql, insertSubjects, type Tenant, twoTenants } from './helpers/tenants.js';

const noCurl = await unless('curl');

const ADMIN_SECRET = 'test-admin-secret-0123456789';

/**
 * The GraphQL engine's query side through HTTP, on the first privacy model. Tenant A is the
 * bootstrap owner's "My Organisation"; tenant B belongs to a second user. Until mutations land,
 * B's rows are written with SQL.
 */
describe('GraphQL queries', () => {
  const server = suiteServer({ PAVISE_ADMIN_SECRET: ADMIN_SECRET });
  let a: Tenant;
  let b: Tenant;
  const gql = (query: string, options?: Parameters<typeof graphql>[2]) => graphql(server, query, options);

  before(async () => {
    ({ a, b } = await twoTenants(server));
    await insertSubjects(server, a, b);
  });

  it("runs seed 001's Step 3 JavaScript unchanged: the bootstrap controller, with its DID", async () => {
    const { data } = await importSeedSample(
      '001-query-graphql.js',
      server.url,
      'export { data };',
      {},
      `const jwt = ${JSON.stringify(a.token)};`,
    );
    assert.equal(data.dataControllers.length, 1);
    const [controller] = data.dataControllers;
    assert.deepEqual(Object.keys(controller), ['id', 'title', 'did', 'createdAt']);
    assert.equal(controller.id, a.controllerId);
    assert.equal(controller.title, 'My Organisation');
    assert.match(controller.did, /^did:dep:[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(controller.createdAt)));
  });

  it("runs seed 001's Step 3 curl and seed 003's Step 2 curl (default role) unchanged", { skip: noCurl }, async () => {
    const step3 = JSON.parse(await runSeedShell('001-step-3.sh', server.url, {}, { JWT_TOKEN: b.token }));
    assert.deepEqual(
      step3.data.dataControllers.map((c: { title: string }) => c.title),
      ['Tenant B'],
    );
    const step2 = JSON.parse(await runSeedShell('003-step-2.sh', server.url, { YOUR_ACCESS_TOKEN: a.token }));
    assert.deepEqual(step2, { data: { dataControllers: [{ id: a.controllerId, title: 'My Organisation' }] } });
  });

  it('never shows a tenant the other tenant’s rows: lists, by primary key, relationships, filters', async () => {
    const query = `query($other: uuid!) {
      dataControllers { id dataSubjects { dataControllerId } members { userId dataController { id } } }
      other: dataController(id: $other) { id }
      dataSubjects { dataControllerId dataController { id } }
      viaRelationship: dataSubjects(where: {dataController: {id: {_eq: $other}}}) { id }
      dataControllerUsers { userId }
    }`;
    // The subjects the before hook gave each tenant: "only its own" is judged on these.
    for (const [self, other, subjects] of [
      [a, b, 3],
      [b, a, 2],
    ] as const) {
      const response = await gql(query, { token: self.token, variables: { other: other.controllerId } });
      assert.equal(response.status, 200);
      const data = response.body.data;
      assert.deepEqual(
        data.dataControllers.map((c: { id: string }) => c.id),
        [self.controllerId],
      );
      assert.equal(data.dataControllers[0].dataSubjects.length, subjects, 'its subjects, through the relationship');
      assert.ok(
        data.dataControllers[0].dataSubjects.every(
          (s: { dataControllerId: string }) => s.dataControllerId === self.controllerId,
        ),
      );
      assert.deepEqual(
        data.dataControllers[0].members.map((m: { userId: string }) => m.userId),
        [self.userId],
      );
      assert.equal(data.other, null);
      assert.equal(data.dataSubjects.length, subjects, 'its subjects, listed');
      assert.ok(
        data.dataSubjects.length > 0 &&
          data.dataSubjects.every(
            (s: { dataControllerId: string; dataController: { id: string } }) =>
              s.dataControllerId === self.controllerId && s.dataController.id === self.controllerId,
          ),
      );
      assert.deepEqual(data.viaRelationship, []);
      assert.deepEqual(data.dataControllerUsers, [{ userId: self.userId }]);
    }
  });

  it('compiles a query once per role, yet answers each caller with its own rows', async () => {
    // The same document and variables from both tenants, in turns: the compiled statement is
    // shared, the session's values in it are not.
    const query =
      'query($limit: Int) { dataControllers(limit: $limit) { id } dataSubjectsAggregate { aggregate { count } } }';
    const counts = new Map<string, number>();
    for (const tenant of [a, b]) {
      counts.set(
        tenant.token,
        (
          await server.pavise.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM public.data_subjects WHERE data_controller_id = $1',
            [tenant.controllerId],
          )
        )[0]!.n,
      );
    }
    for (let turn = 0; turn < 6; turn++) {
      const self = turn % 2 === 0 ? a : b;
      for (const variables of [undefined, { limit: 5 }]) {
        const response = await gql(query, { token: self.token, variables });
        assert.deepEqual(response.body.data, {
          dataControllers: [{ id: self.controllerId }],
          dataSubjectsAggregate: { aggregate: { count: counts.get(self.token) } },
        });
      }
    }
  });

  it('sees every tenant with the admin secret', async () => {
    const response = await gql('{ dataControllers(order_by: {title: asc}) { title } }', {
      headers: { 'x-hasura-admin-secret': ADMIN_SECRET },
    });
    assert.deepEqual(response.body, {
      data: { dataControllers: [{ title: 'My Organisation' }, { title: 'Tenant B' }] },
    });
  });

  it('filters with every comparison operator, _and/_or/_not and relationships', async () => {
    const admin = { 'x-hasura-admin-secret': ADMIN_SECRET };
    const count = async (where: string, variables?: unknown) => {
      const declaration = where.includes('$v') ? '($v: [uuid!])' : '';
      const response = await gql(`query${declaration} { dataSubjects(where: ${where}) { id } }`, {
        headers: admin,
        variables: variables ?? {},
      });
      assert.equal(response.status, 200, response.text);
      assert.ok(response.body.data, response.text);
      return response.body.data.dataSubjects.length;
    };
    // [filter, how many of the five subjects it selects, its variables]
    const filters: [string, number, unknown?][] = [
      ['{}', 5],
      [`{dataControllerId: {_eq: "${a.controllerId}"}}`, 3],
      [`{dataControllerId: {_neq: "${a.controllerId}"}}`, 2],
      ['{dataControllerId: {_in: $v}}', 2, { v: [b.controllerId] }],
      ['{dataControllerId: {_nin: $v}}', 3, { v: [b.controllerId] }],
      ['{did: {_is_null: true}}', 2],
      ['{did: {_is_null: false}}', 3],
      ['{did: {_like: "did:dep:%1"}}', 2],
      ['{did: {_ilike: "DID:DEP:%"}}', 3],
      ['{did: {_nlike: "%1"}}', 1],
      ['{did: {_nilike: "%1"}}', 1],
      ['{createdAt: {_gt: "2026-01-01T12:00:00Z"}}', 3],
      ['{createdAt: {_gte: "2026-01-02T00:00:00Z", _lt: "2026-01-03T00:00:00Z"}}', 2],
      ['{createdAt: {_lte: "2026-01-01T00:00:00Z"}}', 2],
      ['{_or: [{did: {_is_null: true}}, {createdAt: {_gte: "2026-01-03T00:00:00Z"}}]}', 3],
      ['{_and: [{did: {_is_null: false}}, {dataController: {title: {_eq: "Tenant B"}}}]}', 1],
      ['{_not: {dataController: {title: {_eq: "Tenant B"}}}}', 3],
    ];
    for (const [where, selected, variables] of filters) assert.equal(await count(where, variables), selected, where);
    assert.equal(await count('{did: {_eq: null}}'), 5, 'a null comparison is dropped, as in Hasura v2');
  });

  it('orders (nulls first/last, through an object relationship), pages, and takes distinct_on', async () => {
    const admin = { 'x-hasura-admin-secret': ADMIN_SECRET };
    const list = async (args: string) => {
      const response = await gql(`{ dataSubjects(${args}) { did createdAt dataController { title } } }`, {
        headers: admin,
      });
      assert.ok(response.body.data, response.text);
      return response.body.data.dataSubjects as {
        did: string | null;
        createdAt: string;
        dataController: { title: string };
      }[];
    };
    const dids = (rows: { did: string | null }[]) => rows.map((r) => r.did);
    assert.deepEqual(dids(await list('order_by: {did: asc}')).slice(-2), [null, null], 'asc puts nulls last');
    assert.deepEqual(dids(await list('order_by: {did: desc}')).slice(0, 2), [null, null], 'desc puts nulls first');
    assert.deepEqual(dids(await list('order_by: {did: asc_nulls_first}')).slice(0, 2), [null, null]);
    assert.deepEqual(dids(await list('order_by: {did: desc_nulls_last}')).slice(-2), [null, null]);
    const byController = await list('order_by: [{dataController: {title: desc}}, {createdAt: asc}]');
    assert.deepEqual(
      byController.map((r) => r.dataController.title),
      ['Tenant B', 'Tenant B', 'My Organisation', 'My Organisation', 'My Organisation'],
    );
    const page = await list('order_by: {createdAt: asc}, limit: 2, offset: 1');
    assert.equal(page.length, 2);
    assert.deepEqual(
      page.map((r) => r.createdAt),
      (await list('order_by: {createdAt: asc}')).slice(1, 3).map((r) => r.createdAt),
    );
    const distinct = await gql(
      '{ dataSubjects(distinct_on: [dataControllerId], order_by: [{dataControllerId: asc}, {createdAt: desc}]) { dataControllerId createdAt } }',
      { headers: admin },
    );
    assert.equal(distinct.body.data.dataSubjects.length, 2);
    const mismatch = await gql(
      '{ dataSubjects(distinct_on: [dataControllerId], order_by: {createdAt: desc}) { id } }',
      { headers: admin },
    );
    assert.equal(mismatch.body.errors[0].extensions.code, 'validation-failed');
  });

  it('aggregates over the rows the role may see: count, count(columns, distinct), max, min, nodes', async () => {
    const query = `{
      all: dataSubjectsAggregate { aggregate { count } }
      withDid: dataSubjectsAggregate(where: {did: {_is_null: false}}, order_by: {createdAt: desc}) {
        __typename
        aggregate { count(columns: [did]) controllers: count(columns: [dataControllerId], distinct: true) max { createdAt did } min { createdAt } }
        nodes { did }
      }
    }`;
    const a1 = (await gql(query, { token: a.token })).body.data;
    assert.deepEqual(a1.all, { aggregate: { count: 3 } }, 'only tenant A’s three subjects');
    assert.equal(a1.withDid.__typename, 'dataSubjects_aggregate');
    assert.equal(a1.withDid.aggregate.count, 2);
    assert.equal(a1.withDid.aggregate.controllers, 1);
    assert.equal(a1.withDid.aggregate.max.did, `did:dep:${a.controllerId.slice(0, 4)}2`);
    assert.ok(Date.parse(a1.withDid.aggregate.max.createdAt) > Date.parse(a1.withDid.aggregate.min.createdAt));
    assert.deepEqual(
      a1.withDid.nodes.map((n: { did: string }) => n.did),
      [`did:dep:${a.controllerId.slice(0, 4)}2`, `did:dep:${a.controllerId.slice(0, 4)}1`],
    );
    const admin = (
      await gql('{ dataSubjectsAggregate { aggregate { count } } }', {
        headers: { 'x-hasura-admin-secret': ADMIN_SECRET },
      })
    ).body.data;
    assert.deepEqual(admin, { dataSubjectsAggregate: { aggregate: { count: 5 } } });
    const empty = (
      await gql(
        '{ dataSubjectsAggregate(where: {did: {_eq: "none"}}) { aggregate { count max { did } } nodes { id } } }',
        { token: a.token },
      )
    ).body.data;
    assert.deepEqual(empty, { dataSubjectsAggregate: { aggregate: { count: 0, max: { did: null } }, nodes: [] } });
    const notAllowed = await gql('{ dataControllerUsersAggregate { aggregate { count } } }', {
      token: a.token,
      headers: { 'x-hasura-role': 'me' },
    });
    assert.equal(
      notAllowed.body.errors[0].message,
      "field 'dataControllerUsersAggregate' not found in type: 'query_root'",
      'no allow_aggregations, no aggregate field',
    );
  });

  it('supports variables, fragments, aliases, @include/@skip and __typename', async () => {
    const response = await gql(
      `query Named($id: uuid!, $withTitle: Boolean!) {
        first: dataController(id: $id) { ...Fields __typename }
        second: dataController(id: $id) { id title @skip(if: $withTitle) }
      }
      fragment Fields on dataControllers { id title @include(if: $withTitle) }`,
      { token: a.token, variables: { id: a.controllerId, withTitle: true } },
    );
    assert.deepEqual(response.body, {
      data: {
        first: { id: a.controllerId, title: 'My Organisation', __typename: 'dataControllers' },
        second: { id: a.controllerId },
      },
    });
  });

  it('answers a batch with an array of results', async () => {
    const response = await server.call('/v1/graphql', {
      token: a.token,
      body: [{ query: '{ dataControllers { title } }' }, { query: '{ nope }' }],
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.length, 2);
    assert.deepEqual(response.body[0], { data: { dataControllers: [{ title: 'My Organisation' }] } });
    assert.equal(response.body[1].errors[0].extensions.code, 'validation-failed');
  });

  it('refuses a malformed request body with parse-failed at its path, checked after the credentials', async () => {
    const parseFailed = (message: string, path: string) => ({
      errors: [{ message, extensions: { path, code: 'parse-failed' } }],
    });
    const cases: [unknown, string, string][] = [
      [{ variables: {} }, "the key 'query' was not present", '$'],
      ['{ dataControllers { id } }', "the key 'query' was not present", '$'],
      [{ query: 42 }, 'parsing Text failed, expected String', '$.query'],
      [{ query: '{ dataControllers { id } }', variables: [1] }, 'variables must be an object', '$.variables'],
      [[{ query: '{ dataControllers { id } }' }, { nope: 1 }], "the key 'query' was not present", '$[1]'],
    ];
    for (const [body, message, path] of cases) {
      const response = await server.call('/v1/graphql', { token: a.token, body });
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.deepEqual(response.body, parseFailed(message, path), JSON.stringify(body));
    }
    // A malformed body with a bad token is refused for the token first, as Hasura does.
    const refused = await server.call('/v1/graphql', {
      headers: { authorization: 'Token abc' },
      body: { variables: 1 },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errors[0].extensions.code, 'invalid-headers');
  });

  it('hides what a role may not use, in queries and in introspection', async () => {
    assertGraphqlError(
      await gql('query($id: uuid) { dataControllers(where: {id: {_eq: $id}}) { id } }'),
      "field 'dataControllers' not found in type: 'query_root'",
      'validation-failed',
      '$.selectionSet.dataControllers',
    );
    const types = async (headers: Record<string, string>, token?: string) =>
      (await gql('{ __schema { queryType { fields { name } } types { name } } }', { headers, token })).body.data
        .__schema;
    const anonymousSchema = await types({});
    assert.ok(!anonymousSchema.types.some((t: { name: string }) => t.name === 'dataControllers'));
    assert.deepEqual(
      anonymousSchema.queryType.fields
        .map((f: { name: string }) => f.name)
        .filter((name: string) => !name.startsWith('answer'))
        .sort(),
      [
        'consentForm',
        'consentFormPurpose',
        'consentFormPurposes',
        'consentForms',
        'dataControllerFaq',
        'dataControllerFaqs',
        'privacyNotice',
        'privacyNotices',
        'purpose',
        'purposes',
      ],
      'published things only: notices, consent forms and their purposes, FAQs',
    );
    const userFields: string[] = (await types({}, a.token)).queryType.fields.map((f: { name: string }) => f.name);
    for (const name of [
      'dataControllers',
      'dataControllersAggregate',
      'dataSubjects',
      'dataSubjectsAggregate',
      'dataSubjectsRightsRequests',
      'privacyNotices',
    ])
      assert.ok(userFields.includes(name), name);
    assert.ok(!userFields.includes('usersAggregate'), 'no aggregate without allowAggregations');
    const meSchema = await types({ 'x-hasura-role': 'me' }, a.token);
    assert.ok(
      !meSchema.types.some((t: { name: string }) => t.name === 'dataSubjects'),
      'the me role sees no privacy tables',
    );
  });

  it('answers Hasura’s errors with their codes, messages, paths and HTTP statuses', async () => {
    // Documents of A's that the engine refuses, answered 200: [query, code, message, path].
    const refusedDocuments: [string, string, string, string][] = [
      [
        '{ dataControllers { nope } }',
        'validation-failed',
        "field 'nope' not found in type: 'dataControllers'",
        '$.selectionSet.dataControllers.selectionSet.nope',
      ],
      [
        '{ dataControllers(foo: 1) { id } }',
        'validation-failed',
        "'dataControllers' has no argument named 'foo'",
        '$.selectionSet.dataControllers',
      ],
      ['query { dataControllers { id }', 'validation-failed', 'not a valid graphql query', '$.query'],
      [
        'query($id: uuid!) { dataController(id: $id) { id } }',
        'validation-failed',
        'expecting a value for non-nullable variable: "id"',
        '$',
      ],
      [
        '{ dataController(id: "not-a-uuid") { id } }',
        'data-exception',
        'invalid input syntax for type uuid: "not-a-uuid"',
        '$',
      ],
    ];
    for (const [query, code, message, path] of refusedDocuments)
      assertGraphqlError(await gql(query, { token: a.token }), message, code, path);

    // Callers refused before any document is read: [credentials, status, code, message], at path $.
    const refusedCallers: [Parameters<typeof graphql>[2], number, string, string][] = [
      [
        { token: a.token, headers: { 'x-hasura-role': 'admin' } },
        403,
        'access-denied',
        'Your requested role is not in allowed roles',
      ],
      [{ headers: { authorization: 'Token abc' } }, 401, 'invalid-headers', 'Malformed Authorization header'],
      [
        { token: `${a.token.slice(0, -4)}AAAA` },
        401,
        'invalid-jwt',
        'Could not verify JWT: JWSError JWSInvalidSignature',
      ],
      [
        { headers: { 'x-hasura-admin-secret': 'wrong-secret-value' } },
        401,
        'access-denied',
        'invalid x-hasura-admin-secret/x-hasura-access-key',
      ],
      [
        { headers: { 'x-hasura-role': 'user' } },
        401,
        'invalid-headers',
        "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
      ],
    ];
    for (const [credentials, status, code, message] of refusedCallers)
      assertGraphqlError(await gql('{ dataControllers { id } }', credentials), message, code, '$', status);

    // The me role has no mutation root field for controllers.
    assertGraphqlError(
      await gql('mutation { insertDataController(object: {title: "x"}) { id } }', {
        token: a.token,
        headers: { 'x-hasura-role': 'me' },
      }),
      "field 'insertDataController' not found in type: 'mutation_root'",
      'validation-failed',
      '$.selectionSet.insertDataController',
    );
  });
});

describe('GraphQL limits', () => {
  const server = suiteServer({
    PAVISE_GRAPHQL_MAX_DEPTH: '3',
    PAVISE_GRAPHQL_MAX_SELECTIONS: '6',
    PAVISE_GRAPHQL_MAX_ROWS: '2',
    PAVISE_ADMIN_SECRET: ADMIN_SECRET,
  });
  before(async () => {
    const [controller] = await server.pavise.db.query<{ id: string }>('SELECT id FROM public.data_controllers');
    for (let i = 0; i < 4; i++)
      await server.pavise.db.query('INSERT INTO public.data_subjects (data_controller_id) VALUES ($1)', [
        controller!.id,
      ]);
  });
  const admin = { 'x-hasura-admin-secret': ADMIN_SECRET };

  it('refuses operations nested deeper than PAVISE_GRAPHQL_MAX_DEPTH, fragments included', async () => {
    const ok = await server.call('/v1/graphql', {
      headers: admin,
      body: { query: '{ dataSubjects { dataController { id } } }' },
    });
    assert.ok(ok.body.data, ok.text);
    const deep = await server.call('/v1/graphql', {
      headers: admin,
      body: { query: '{ dataSubjects { ...F } } fragment F on dataSubjects { dataController { members { id } } }' },
    });
    assert.deepEqual(
      deep.body,
      graphqlError('the operation is nested 4 levels deep; the server allows 3', 'validation-failed'),
    );
  });

  it('refuses operations selecting more fields than PAVISE_GRAPHQL_MAX_SELECTIONS', async () => {
    const wide = await server.call('/v1/graphql', {
      headers: admin,
      body: { query: '{ a: dataSubjects { id did createdAt } b: dataSubjects { id did } }' },
    });
    assert.equal(wide.body.errors[0].message, "the operation selects more than 6 fields (the server's limit)");
  });

  it('caps every list at PAVISE_GRAPHQL_MAX_ROWS', async () => {
    const rows = await server.call('/v1/graphql', {
      headers: admin,
      body: { query: '{ dataSubjects { id } limited: dataSubjects(limit: 1) { id } }' },
    });
    assert.equal(rows.body.data.dataSubjects.length, 2);
    assert.equal(rows.body.data.limited.length, 1);
  });
});

/**
 * `db` with its statements unprepared: a second engine on the server's pool would otherwise name
 * its prepared statements as the server's engine does (pavise_gql_0, ...), for different SQL.
 */
function unnamedStatements(db: Database): Database {
  const plain = (q: Queryable): Queryable => ({
    query: <R extends object>(sql: string, params?: readonly unknown[]) => q.query<R>(sql, params),
    exec: (sql) => q.exec(sql),
  });
  return {
    ...plain(db),
    kind: db.kind,
    transaction: (work) => db.transaction((tx) => work(plain(tx))),
    close: () => db.close(),
  };
}

/**
 * Aggregates count every row the role may see: PAVISE_GRAPHQL_MAX_ROWS caps only the rows an
 * answer lists (a list, an aggregate's nodes). Tenant A has 8 subjects, 8 processing activities
 * and 8 FAQs at positions 1 to 8, more than the server's 5; tenant B's rows (FAQs at position 100)
 * must stay out of A's numbers.
 */
describe('GraphQL aggregates beyond PAVISE_GRAPHQL_MAX_ROWS', () => {
  const server = suiteServer({ PAVISE_GRAPHQL_MAX_ROWS: '5', PAVISE_ADMIN_SECRET: ADMIN_SECRET });
  let a: Tenant;
  const gql = (query: string, variables?: unknown) => graphql(server, query, { token: a.token, variables });

  before(async () => {
    let b: Tenant;
    ({ a, b } = await twoTenants(server));
    const db = server.pavise.db;
    for (let i = 1; i <= 8; i++) {
      await db.query('INSERT INTO public.data_subjects (data_controller_id) VALUES ($1)', [a.controllerId]);
      await db.query(
        "INSERT INTO public.data_processing_activities (data_controller_id, activity_type) VALUES ($1, 'collection')",
        [a.controllerId],
      );
      await db.query(
        "INSERT INTO public.data_controller_faqs (data_controller_id, question, answer, position) VALUES ($1, $2, 'a', $3)",
        [a.controllerId, `question ${i}`, i],
      );
    }
    for (let i = 0; i < 2; i++) {
      await db.query('INSERT INTO public.data_subjects (data_controller_id) VALUES ($1)', [b.controllerId]);
      await db.query(
        "INSERT INTO public.data_controller_faqs (data_controller_id, question, answer, position) VALUES ($1, 'b', 'b', 100)",
        [b.controllerId],
      );
    }
  });

  it('computes count, sum, avg, min and max over all the rows; nodes and lists stay capped', async () => {
    const response = await gql(`{
      dataControllerFaqsAggregate(order_by: {position: asc}) {
        aggregate { count sum { position } avg { position } min { position } max { position } }
        nodes { position }
      }
      dataSubjectsAggregate { aggregate { count } nodes { id } }
      dataProcessingActivitiesAggregate { aggregate { count } }
      dataControllerFaqs { id }
    }`);
    assert.equal(response.status, 200, response.text);
    const data = response.body.data;
    assert.deepEqual(data.dataControllerFaqsAggregate, {
      aggregate: {
        count: 8,
        sum: { position: 36 },
        avg: { position: 4.5 },
        min: { position: 1 },
        max: { position: 8 },
      },
      nodes: [1, 2, 3, 4, 5].map((position) => ({ position })),
    });
    assert.equal(data.dataSubjectsAggregate.aggregate.count, 8);
    assert.equal(data.dataSubjectsAggregate.nodes.length, 5);
    assert.deepEqual(data.dataProcessingActivitiesAggregate, { aggregate: { count: 8 } });
    assert.equal(data.dataControllerFaqs.length, 5);
  });

  it('aggregates the rows an explicit limit and offset select, as Hasura does', async () => {
    const query = `query($limit: Int, $offset: Int, $order: order_by!) {
      dataControllerFaqsAggregate(limit: $limit, offset: $offset, order_by: {position: $order}) {
        aggregate { count sum { position } min { position } max { position } }
        nodes { position }
      }
    }`;
    const cases: [Record<string, unknown>, number[]][] = [
      // More than MAX_ROWS asked for: all of them counted, the first 5 listed.
      [{ limit: 7, order: 'desc' }, [8, 7, 6, 5, 4, 3, 2]],
      [{ limit: 20, order: 'asc' }, [1, 2, 3, 4, 5, 6, 7, 8]],
      [{ limit: 3, order: 'asc' }, [1, 2, 3]],
      [{ offset: 6, order: 'asc' }, [7, 8]],
      [{ limit: 6, offset: 1, order: 'asc' }, [2, 3, 4, 5, 6, 7]],
    ];
    for (const [variables, positions] of cases) {
      const response = await gql(query, variables);
      assert.deepEqual(
        response.body.data?.dataControllerFaqsAggregate,
        {
          aggregate: {
            count: positions.length,
            sum: { position: positions.reduce((sum, p) => sum + p, 0) },
            min: { position: Math.min(...positions) },
            max: { position: Math.max(...positions) },
          },
          nodes: positions.slice(0, 5).map((position) => ({ position })),
        },
        `${JSON.stringify(variables)}: ${response.text}`,
      );
    }
  });

  it('aggregates every row of a table with a permission row limit; the limit caps nodes and lists (Hasura)', async () => {
    // No role of the privacy model both limits its rows and may aggregate; this engine's anonymous
    // role may, on the published FAQs: at most 3 rows of them listed, and the server's 5.
    const model = privacyModelOn(server.pavise.db);
    const faqs = model.tables.find((table) => table.name === 'dataControllerFaqs')!;
    const anonymous = faqs.permissions.anonymous!;
    anonymous.select = { ...anonymous.select!, limit: 3, allowAggregations: true };
    const engine = new GraphQLEngine(unnamedStatements(server.pavise.db), model, console, {
      ...DEFAULT_LIMITS,
      maxRows: 5,
    });
    const run = async (query: string) =>
      JSON.parse(
        await engine.execute({ query, variables: { c: a.controllerId } }, { role: 'anonymous', variables: {} }),
      );
    const where = 'where: {dataControllerId: {_eq: $c}}, order_by: {position: asc}';
    assert.deepEqual(
      await run(`query($c: uuid!) {
        all: dataControllerFaqsAggregate(${where}) { aggregate { count max { position } } nodes { position } }
        limited: dataControllerFaqsAggregate(${where}, limit: 4) { aggregate { count max { position } } nodes { position } }
        onlyNodes: dataControllerFaqsAggregate(${where}) { nodes { position } }
        list: dataControllerFaqs(${where}) { position }
      }`),
      {
        data: {
          all: {
            aggregate: { count: 8, max: { position: 8 } },
            nodes: [{ position: 1 }, { position: 2 }, { position: 3 }],
          },
          limited: {
            aggregate: { count: 4, max: { position: 4 } },
            nodes: [{ position: 1 }, { position: 2 }, { position: 3 }],
          },
          onlyNodes: { nodes: [{ position: 1 }, { position: 2 }, { position: 3 }] },
          list: [{ position: 1 }, { position: 2 }, { position: 3 }],
        },
      },
    );
  });
});
