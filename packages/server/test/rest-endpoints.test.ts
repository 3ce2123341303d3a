import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GraphQLEngine } from '../src/graphql/engine.js';
import { type RestCall, type RestEndpoint, RestEndpoints } from '../src/graphql/rest-endpoints.js';
import { privacyRestEndpoints } from '../src/privacy/rest-endpoints.js';
import { graphqlError } from './helpers/http.js';
import { privacyModelOn } from './helpers/privacy-model.js';
import type { TestServer } from './helpers/server.js';
import { suiteServer } from './helpers/suite.js';
import { insertSubjects, type Tenant, twoTenants } from './helpers/tenants.js';

const ADMIN_SECRET = 'test-admin-secret-0123456789';

// The Dxtra API overview's curl (docs/contracts.md §5), verbatim.
const DOCUMENTED_CURL = `curl -H "Authorization: Bearer YOUR_JWT_TOKEN" -H "X-Hasura-Role: user" \\
  "https://api.dxtra.ai/api/rest/getdatacontrollerdetails"`;

const CONTROLLER_FIELDS = [
  'id',
  'title',
  'did',
  'email',
  'legalName',
  'address',
  'timezone',
  'description',
  'operatingRegions',
  'operatingIndustries',
  'dpoEmail',
  'defaultJurisdiction',
  'honourGpc',
  'requireMfa',
  'createdAt',
  'updatedAt',
];
const MEMBER_FIELDS = ['id', 'userId', 'role', 'createdAt'];

/**
 * /api/rest/<name> through HTTP, on the privacy endpoints. Tenant A is the bootstrap owner's
 * "My Organisation"; tenant B belongs to a second user, its rows written with SQL.
 */
describe('REST endpoints', () => {
  const server = suiteServer({ PAVISE_ADMIN_SECRET: ADMIN_SECRET });
  let a: Tenant;
  let b: Tenant;
  const rest = (path: string, options: Parameters<TestServer['call']>[1] = {}) =>
    server.call(`/api/rest/${path}`, options);
  const json = { 'content-type': 'application/json' };

  before(async () => {
    ({ a, b } = await twoTenants(server));
    await insertSubjects(server, a, b);
  });

  /** A tenant's controller and members as /v1/graphql returns them with the admin secret. */
  const adminView = async (controllerId: string) => {
    const response = await server.call('/v1/graphql', {
      headers: { 'x-hasura-admin-secret': ADMIN_SECRET },
      body: {
        query: `query($id: uuid!) {
          dataControllers(where: {id: {_eq: $id}}) { ${CONTROLLER_FIELDS.join(' ')} }
          dataControllerUsers(where: {dataControllerId: {_eq: $id}}) { ${MEMBER_FIELDS.join(' ')} }
        }`,
        variables: { id: controllerId },
      },
    });
    assert.equal(response.status, 200, response.text);
    return response.body.data as {
      dataControllers: Record<string, unknown>[];
      dataControllerUsers: Record<string, unknown>[];
    };
  };

  it('runs the documented getdatacontrollerdetails curl unchanged: the caller’s own controller', async () => {
    const script = DOCUMENTED_CURL.replace('https://api.dxtra.ai', server.url).replace('YOUR_JWT_TOKEN', a.token);
    const { stdout } = await promisify(execFile)('bash', ['-c', script]);
    const body = JSON.parse(stdout);
    assert.deepEqual(Object.keys(body), ['data']);
    assert.deepEqual(
      body.data.dataControllers.map((c: object) => Object.keys(c)),
      [CONTROLLER_FIELDS],
    );
    const [controller] = body.data.dataControllers;
    assert.equal(controller.id, a.controllerId);
    assert.equal(controller.title, 'My Organisation');
    assert.match(controller.did, /^did:dep:[0-9a-f]{64}$/);
    assert.equal(controller.email, null);
    assert.deepEqual(body, { data: { dataControllers: (await adminView(a.controllerId)).dataControllers } });
  });

  it('takes GET variables from the query string', async () => {
    const own = await rest(`getdatacontrollerdetails?dataControllerId=${a.controllerId}`, { token: a.token });
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(own.headers.get('cache-control'), 'no-store');
    assert.deepEqual(own.body, { data: { dataControllers: (await adminView(a.controllerId)).dataControllers } });

    const members = await rest(`getdatacontrollerusers?dataControllerId=${a.controllerId}`, { token: a.token });
    assert.equal(members.status, 200);
    assert.deepEqual(members.body, {
      data: { dataControllerUsers: (await adminView(a.controllerId)).dataControllerUsers },
    });
    assert.deepEqual(
      (members.body.data.dataControllerUsers as { userId: string; role: string }[]).map((m) => [m.userId, m.role]),
      [[a.userId, 'owner']],
    );

    // With the admin secret and no variable, the null comparison is dropped: every controller.
    const all = await rest('getdatacontrollerdetails', { headers: { 'x-hasura-admin-secret': ADMIN_SECRET } });
    assert.deepEqual(all.body.data.dataControllers.map((c: { title: string }) => c.title).sort(), [
      'My Organisation',
      'Tenant B',
    ]);
  });

  it('takes POST variables from a JSON body, and a POST with no body or an empty one as no variables', async () => {
    const members = await rest('getdatacontrollerusers', {
      token: a.token,
      body: { dataControllerId: a.controllerId },
    });
    assert.equal(members.status, 200);
    assert.deepEqual(members.body, {
      data: { dataControllerUsers: (await adminView(a.controllerId)).dataControllerUsers },
    });

    const expected = { data: { dataControllers: (await adminView(a.controllerId)).dataControllers } };
    const details = await rest('getdatacontrollerdetails', {
      token: a.token,
      body: { dataControllerId: a.controllerId },
    });
    assert.deepEqual(details.body, expected);
    for (const options of [
      { method: 'POST' },
      { method: 'POST', rawBody: '', headers: json },
      { method: 'POST', rawBody: ' \n', headers: json },
    ]) {
      const response = await rest('getdatacontrollerdetails', { token: a.token, ...options });
      assert.equal(response.status, 200, JSON.stringify(options));
      assert.deepEqual(response.body, expected, JSON.stringify(options));
    }
    // curl -d without -H sends form encoding; the body is JSON all the same, as Hasura reads it.
    const form = await rest('getdatacontrollerusers', {
      token: a.token,
      rawBody: JSON.stringify({ dataControllerId: a.controllerId }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(form.body, members.body);
  });

  it('never shows a tenant the other tenant’s controller or members, by either endpoint or method', async () => {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const mine = await rest('getdatacontrollerdetails', { token: self.token });
      assert.deepEqual(mine.body, { data: { dataControllers: (await adminView(self.controllerId)).dataControllers } });
      const cases = [
        rest(`getdatacontrollerdetails?dataControllerId=${other.controllerId}`, { token: self.token }),
        rest('getdatacontrollerdetails', { token: self.token, body: { dataControllerId: other.controllerId } }),
      ];
      for (const response of await Promise.all(cases))
        assert.deepEqual(response.body, { data: { dataControllers: [] } });
      const memberCases = [
        rest(`getdatacontrollerusers?dataControllerId=${other.controllerId}`, { token: self.token }),
        rest('getdatacontrollerusers', { token: self.token, body: { dataControllerId: other.controllerId } }),
      ];
      for (const response of await Promise.all(memberCases))
        assert.deepEqual(response.body, { data: { dataControllerUsers: [] } });
    }
    const bMembers = await rest(`getdatacontrollerusers?dataControllerId=${b.controllerId}`, { token: b.token });
    assert.deepEqual(
      bMembers.body.data.dataControllerUsers.map((m: { userId: string }) => m.userId),
      [b.userId],
    );
  });

  it('counts a controller’s data subjects, and only for a member of it', async () => {
    const count = (n: number) => ({ data: { dataSubjectsAggregate: { aggregate: { count: n } } } });
    const cases: [Promise<{ status: number; body: unknown }>, unknown][] = [
      [rest(`getdatasubjectscountbycontroller?dataControllerId=${a.controllerId}`, { token: a.token }), count(3)],
      [
        rest('getdatasubjectscountbycontroller', { token: b.token, body: { dataControllerId: b.controllerId } }),
        count(2),
      ],
      [rest(`getdatasubjectscountbycontroller?dataControllerId=${a.controllerId}`, { token: b.token }), count(0)],
      [
        rest('getdatasubjectscountbycontroller', { token: a.token, body: { dataControllerId: b.controllerId } }),
        count(0),
      ],
      [
        rest(`getdatasubjectscountbycontroller?dataControllerId=${b.controllerId}`, {
          headers: { 'x-hasura-admin-secret': ADMIN_SECRET },
        }),
        count(2),
      ],
    ];
    for (const [pending, expected] of cases) {
      const response = await pending;
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, expected);
    }
  });

  it('authenticates as /v1/graphql does: 401 for a missing or bad token, 403 for a refused role', async () => {
    const cases: [Promise<{ status: number; body: unknown }>, number, string, string][] = [
      [
        rest('getdatacontrollerdetails', { headers: { 'x-hasura-role': 'user' } }),
        401,
        'invalid-headers',
        "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
      ],
      [
        rest('getdatacontrollerdetails', { method: 'POST', headers: { 'x-hasura-role': 'user' } }),
        401,
        'invalid-headers',
        "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
      ],
      [
        rest('getdatacontrollerdetails', { token: `${a.token.slice(0, -4)}AAAA` }),
        401,
        'invalid-jwt',
        'Could not verify JWT: JWSError JWSInvalidSignature',
      ],
      [
        rest('getdatacontrollerusers', {
          token: `${a.token.slice(0, -4)}AAAA`,
          body: { dataControllerId: a.controllerId },
        }),
        401,
        'invalid-jwt',
        'Could not verify JWT: JWSError JWSInvalidSignature',
      ],
      [
        rest('getdatacontrollerdetails', { headers: { authorization: 'Token abc' } }),
        401,
        'invalid-headers',
        'Malformed Authorization header',
      ],
      [
        rest('getdatacontrollerdetails', { headers: { 'x-hasura-admin-secret': 'wrong-secret-value' } }),
        401,
        'access-denied',
        'invalid x-hasura-admin-secret/x-hasura-access-key',
      ],
      [
        rest('getdatacontrollerdetails', { token: a.token, headers: { 'x-hasura-role': 'admin' } }),
        403,
        'access-denied',
        'Your requested role is not in allowed roles',
      ],
    ];
    for (const [pending, status, code, message] of cases) {
      const response = await pending;
      assert.equal(response.status, status, message);
      assert.deepEqual(response.body, graphqlError(message, code));
    }
    // Anonymous may call the endpoint but sees no privacy table: validation errors, with 200.
    // (Which errors is the engine's business: its schema for anonymous has no uuid type either.)
    const anonymous = await rest('getdatacontrollerdetails');
    assert.equal(anonymous.status, 200);
    assert.deepEqual(Object.keys(anonymous.body), ['errors']);
    assert.ok(
      anonymous.body.errors.every((e: { extensions: { code: string } }) => e.extensions.code === 'validation-failed'),
      anonymous.text,
    );
    assert.ok(
      anonymous.body.errors.some(
        (e: { message: string }) => e.message === "field 'dataControllers' not found in type: 'query_root'",
      ),
      anonymous.text,
    );
  });

  it('answers GraphQL errors of the operation with 200, as /v1/graphql does', async () => {
    const missing = await rest('getdatacontrollerusers', { token: a.token });
    assert.equal(missing.status, 200);
    assert.deepEqual(
      missing.body,
      graphqlError('expecting a value for non-nullable variable: "dataControllerId"', 'validation-failed'),
    );
    const badUuid = await rest('getdatacontrollerusers?dataControllerId=not-a-uuid', { token: a.token });
    assert.equal(badUuid.status, 200);
    assert.deepEqual(badUuid.body, graphqlError('invalid input syntax for type uuid: "not-a-uuid"', 'data-exception'));
  });

  it('answers 404 for an unknown endpoint and 405 with Allow for a method it does not take', async () => {
    for (const path of ['nope', 'GetDataControllerDetails', 'getdatacontrollerdetails/extra', '']) {
      const response = await rest(path, { token: a.token });
      assert.equal(response.status, 404, path);
      assert.deepEqual(response.body, { path: '$', error: 'Endpoint not found', code: 'not-found' }, path);
    }
    const posted = await rest('nope', { token: a.token, body: {} });
    assert.equal(posted.status, 404);
    assert.deepEqual(posted.body, { path: '$', error: 'Endpoint not found', code: 'not-found' });

    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await rest('getdatacontrollerdetails', { token: a.token, method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, POST');
      assert.deepEqual(response.body, { path: '$', error: 'Allowed methods: GET, POST', code: 'method-not-allowed' });
    }
  });

  it('answers 400 for a body that is not a JSON object and for a variable the operation does not declare', async () => {
    const notAnObject = {
      path: '$',
      error: 'The request body must be a JSON object of variables',
      code: 'bad-request',
    };
    for (const rawBody of ['[1, 2]', '"x"', '42', 'null', 'true']) {
      const response = await rest('getdatacontrollerdetails', { token: a.token, rawBody, headers: json });
      assert.equal(response.status, 400, rawBody);
      assert.deepEqual(response.body, notAnObject, rawBody);
    }
    const invalid = await rest('getdatacontrollerdetails', {
      token: a.token,
      rawBody: '{"dataControllerId": ',
      headers: json,
    });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body, { path: '$', error: 'The request body is not valid JSON', code: 'invalid-json' });

    const unexpected = [
      rest('getdatacontrollerdetails?limit=1', { token: a.token }),
      rest('getdatacontrollerdetails', { token: a.token, body: { dataControllerId: a.controllerId, limit: 1 } }),
    ];
    for (const response of await Promise.all(unexpected)) {
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, { path: '$', error: 'Unexpected variable limit', code: 'bad-request' });
    }
  });
});

/** A count through REST counts every row, however few a list may return (PAVISE_GRAPHQL_MAX_ROWS). */
describe('REST endpoints: counts beyond PAVISE_GRAPHQL_MAX_ROWS', () => {
  const server = suiteServer({ PAVISE_GRAPHQL_MAX_ROWS: '5' });
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    ({ a, b } = await twoTenants(server));
    for (const [controllerId, count] of [
      [a.controllerId, 8],
      [b.controllerId, 2],
    ] as const) {
      for (let i = 0; i < count; i++)
        await server.pavise.db.query('INSERT INTO public.data_subjects (data_controller_id) VALUES ($1)', [
          controllerId,
        ]);
    }
  });

  it('getdatasubjectscountbycontroller counts all of a controller’s data subjects', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const response =
        method === 'GET'
          ? await server.call(`/api/rest/getdatasubjectscountbycontroller?dataControllerId=${a.controllerId}`, {
              token: a.token,
            })
          : await server.call('/api/rest/getdatasubjectscountbycontroller', {
              token: a.token,
              body: { dataControllerId: a.controllerId },
            });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { data: { dataSubjectsAggregate: { aggregate: { count: 8 } } } }, method);
    }
    const list = await server.call('/v1/graphql', { token: a.token, body: { query: '{ dataSubjects { id } }' } });
    assert.equal(list.body.data.dataSubjects.length, 5, 'a list is still capped');
  });
});

/**
 * The generic side without HTTP: what Hasura does with query-string values of each type, and
 * the start-up checks on an endpoint list. Runs on a real engine and database.
 */
describe('REST endpoints: variables and start-up checks', () => {
  const server = suiteServer();
  let engine: GraphQLEngine;
  const admin = { role: 'admin', variables: { 'x-hasura-role': 'admin' } };
  const coerce: RestEndpoint = {
    name: 'coerce',
    methods: ['GET', 'POST'],
    query: `query Coerce($limit: Int, $withTitle: Boolean!, $title: String, $ids: [uuid!]) {
      dataControllers(limit: $limit, where: {title: {_eq: $title}, id: {_in: $ids}}, order_by: {title: asc}) { id title @include(if: $withTitle) }
    }`,
  };
  const call = (query: RestCall['query'], extra: Partial<RestCall> = {}): RestCall => ({
    path: 'coerce',
    method: 'GET',
    query,
    body: undefined,
    ...extra,
  });

  before(async () => {
    engine = new GraphQLEngine(server.pavise.db, privacyModelOn(server.pavise.db));
    await server.pavise.db.query("INSERT INTO public.data_controllers (title) VALUES ('123'), ('true')");
  });

  it('coerces query-string values by declared type, as Hasura does', async () => {
    const endpoints = new RestEndpoints(engine, [coerce]);
    const run = async (query: RestCall['query'], extra: Partial<RestCall> = {}) => {
      const result = await endpoints.run(call(query, extra), admin);
      return { status: result.status, body: JSON.parse(result.body) };
    };
    // Int from text; a Boolean flag without a value is true.
    const limited = await run({ limit: '1', withTitle: '' });
    assert.deepEqual(
      limited.body.data.dataControllers.map((c: object) => Object.keys(c)),
      [['id', 'title']],
    );
    assert.equal(limited.body.data.dataControllers[0].title, '123');
    // false is false; an empty nullable value is left out (no limit).
    const untitled = await run({ limit: '', withTitle: 'false' });
    assert.deepEqual(
      untitled.body.data.dataControllers.map((c: object) => Object.keys(c)),
      [['id'], ['id'], ['id']],
    );
    // JSON-looking text for a String stays the text: "123" and "true" match the titles.
    for (const title of ['123', 'true']) {
      const found = await run({ title, withTitle: 'true' });
      assert.deepEqual(
        found.body.data.dataControllers.map((c: { title: string }) => c.title),
        [title],
      );
    }
    // A repeated key: the last value.
    assert.equal((await run({ limit: ['5', '2'], withTitle: 'true' })).body.data.dataControllers.length, 2);
    // Not a number for an Int: a string, which GraphQL refuses (200, as on /v1/graphql).
    const notInt = await run({ limit: 'x', withTitle: 'true' });
    assert.equal(notInt.status, 200);
    assert.equal(notInt.body.errors[0].extensions.code, 'validation-failed');
    // Lists cannot come from the query string; they can from a POST body.
    const list = await run({ ids: '[]', withTitle: 'true' });
    assert.deepEqual(list, {
      status: 400,
      body: {
        path: '$',
        error: 'List variables are not currently supported in URL or Query parameters. (Variable ids, with value "[]")',
        code: 'bad-request',
      },
    });
    const [first] = (await run({ withTitle: 'true' })).body.data.dataControllers;
    const posted = await run({ withTitle: 'true' }, { method: 'POST', body: JSON.stringify({ ids: [first.id] }) });
    assert.deepEqual(posted.body, { data: { dataControllers: [first] } });
    // The body's value wins over the query string's for the same name.
    const both = await run({ withTitle: 'false' }, { method: 'POST', body: '{"withTitle": true, "limit": 1}' });
    assert.deepEqual(
      both.body.data.dataControllers.map((c: object) => Object.keys(c)),
      [['id', 'title']],
    );
    // A GET body is not read; names that are not GraphQL names are ignored.
    assert.equal((await run({ withTitle: 'true', 'not-a-name': '1' }, { body: 'not json' })).status, 200);
  });

  it('refuses a bad endpoint list at start-up with a clear error', () => {
    const endpoint = (overrides: Partial<RestEndpoint>): RestEndpoint => ({
      name: 'x',
      methods: ['GET'],
      query: 'query X { dataControllers { id } }',
      ...overrides,
    });
    const cases: [RestEndpoint[], RegExp][] = [
      [[endpoint({}), endpoint({})], /^Error: REST endpoint "x" is defined twice$/],
      [
        [endpoint({ query: 'query X { dataControllers { id }' })],
        /^Error: REST endpoint "x": the query does not parse: Syntax Error/,
      ],
      [
        [endpoint({ query: 'query X { dataControllers { id } } query Y { dataSubjects { id } }' })],
        /^Error: REST endpoint "x": the query must contain exactly one operation and nothing else$/,
      ],
      [
        [endpoint({ query: 'query X { dataControllers { ...F } } fragment F on dataControllers { id }' })],
        /exactly one operation and nothing else/,
      ],
      [[endpoint({ query: 'fragment F on dataControllers { id }' })], /exactly one operation and nothing else/],
      [
        [endpoint({ query: 'query X { dataControlers { id } }' })],
        /^Error: REST endpoint "x": the query is not valid: Cannot query field "dataControlers" on type "query_root"/,
      ],
      [[endpoint({ query: 'subscription X { dataControllers { id } }' })], /subscriptions cannot be REST endpoints/],
      [
        [endpoint({ query: 'mutation X { insertDataController(object: {title: "t"}) { id } }' })],
        /a mutation cannot be served by GET/,
      ],
      [[endpoint({ name: 'a/b' })], /the name must be one URL path segment/],
      [[endpoint({ name: '' })], /the name must be one URL path segment/],
      [[endpoint({ methods: [] })], /no HTTP methods/],
      [[endpoint({ methods: ['GET', 'GET'] })], /a method is listed twice/],
    ];
    for (const [list, message] of cases)
      assert.throws(
        () => new RestEndpoints(engine, list),
        (error: Error) => message.test(String(error)),
        String(message),
      );
    assert.doesNotThrow(() => new RestEndpoints(engine, privacyRestEndpoints));
  });
});
