import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Property-based checks of the engine through HTTP: random but schema-valid filters, orderings
 * and paging as tenant A, and random documents. Whatever comes in: no 5xx, no SQL or internals
 * in an error, no "unexpected" error, and never a row of tenant B.
 */
const SQL_TEXT = /\b(SELECT|FROM|WHERE|json_build_object|coalesce|_t\d+)\b|"public"/;

/**
 * Filters built from random values mixed with the fixtures' real ones, one operator per column,
 * so that a fair share of them match rows (the tenant property needs rows to judge).
 */
function arbitraries(known: { uuids: string[]; texts: string[] }) {
  const text = fc.oneof(
    fc.constantFrom(...known.texts),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('%', '_', "'; DROP TABLE x; --", '\\', '"', 'did:dep:%', '\u0000x', '💥'),
  );
  const uuid = fc.oneof(fc.constantFrom(...known.uuids), fc.uuid(), fc.constantFrom('not-a-uuid', ''));
  const timestamp = fc.oneof(
    fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom('yesterday', '2026-13-45', ''),
  );
  const comparison = (value: fc.Arbitrary<unknown>, textOps = false) =>
    fc.oneof(
      fc.record({ _eq: fc.option(value, { nil: null }) }),
      fc.record({ _neq: value }),
      fc.record({ _gt: value }),
      fc.record({ _lte: value }),
      fc.record({ _in: fc.array(value, { maxLength: 3 }) }),
      fc.record({ _nin: fc.array(value, { maxLength: 3 }) }),
      fc.record({ _is_null: fc.boolean() }),
      ...(textOps ? [fc.record({ _like: value }), fc.record({ _ilike: value }), fc.record({ _nilike: value })] : []),
    );
  const some = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
    fc.oneof(...Object.entries(fields).map(([name, arbitrary]) => arbitrary.map((value) => ({ [name]: value }))));
  const controllerExp = some({
    title: comparison(text, true),
    email: comparison(text, true),
    id: comparison(uuid),
    createdAt: comparison(timestamp),
  });
  const column = some({
    id: comparison(uuid),
    dataControllerId: comparison(uuid),
    did: comparison(text, true),
    createdAt: comparison(timestamp),
    dataController: controllerExp,
  });
  // Bounded nesting: fast-check's depth control keeps _and/_or/_not trees small.
  const where: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
    exp: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'bool_exp' },
      fc.constant({}),
      column,
      fc.record({ _and: fc.array(tie('exp'), { maxLength: 2 }) }),
      fc.record({ _or: fc.array(tie('exp'), { maxLength: 2 }) }),
      fc.record({ _not: tie('exp') }),
    ),
  })).exp as fc.Arbitrary<Record<string, unknown>>;
  const direction = fc.constantFrom(
    'asc',
    'desc',
    'asc_nulls_first',
    'asc_nulls_last',
    'desc_nulls_first',
    'desc_nulls_last',
  );
  const orderBy = fc.array(
    fc.oneof(
      fc.record({ did: direction }),
      fc.record({ createdAt: direction }),
      fc.record({ id: direction }),
      fc.record({ dataController: fc.record({ title: direction }) }),
    ),
    { maxLength: 3 },
  );
  return { where, orderBy };
}

describe('GraphQL engine properties', () => {
  let server: TestServer;
  let tokenA: string;
  let controllerA: string;
  let controllerB: string;
  before(async () => {
    server = await startTestServer();
    const session = await server.signIn();
    tokenA = session.accessToken;
    [{ id: controllerA }] = (await server.pavise.db.query<{ id: string }>(
      'SELECT data_controller_id AS id FROM public.data_controller_users WHERE user_id = $1',
      [session.user.id],
    )) as [{ id: string }];
    [{ id: controllerB }] = (await server.pavise.db.query<{ id: string }>(
      "INSERT INTO public.data_controllers (title) VALUES ('Tenant B') RETURNING id",
    )) as [{ id: string }];
    for (const [controller, did] of [
      [controllerA, 'a1'],
      [controllerA, null],
      [controllerB, 'b1'],
      [controllerB, 'did:dep:b'],
    ] as const) {
      await server.pavise.db.query('INSERT INTO public.data_subjects (data_controller_id, did) VALUES ($1, $2)', [
        controller,
        did,
      ]);
    }
  });
  after(() => server.close());

  const checkErrors = (body: { errors?: { message: string; extensions: { code: string } }[] }) => {
    for (const error of body.errors ?? []) {
      assert.doesNotMatch(error.message, SQL_TEXT, 'SQL text in an error');
      assert.notEqual(error.extensions.code, 'unexpected', error.message);
    }
  };

  it('answers random filters, orderings and paging without a 5xx, and only with tenant A’s rows', async () => {
    let rows = 0;
    let errors = 0;
    const { where: subjectExp, orderBy } = arbitraries({
      uuids: [controllerA, controllerB],
      texts: ['a1', 'b1', 'did:dep:b', 'Tenant B', 'My Organisation', '%1', '%b%'],
    });
    await fc.assert(
      fc.asyncProperty(
        subjectExp,
        orderBy,
        fc.option(fc.integer({ min: -2, max: 5 }), { nil: undefined }),
        fc.option(fc.integer({ min: -2, max: 5 }), { nil: undefined }),
        async (where, order, limit, offset) => {
          const response = await server.call('/v1/graphql', {
            token: tokenA,
            body: {
              query:
                'query($w: dataSubjects_bool_exp, $o: [dataSubjects_order_by!], $l: Int, $off: Int) { dataSubjects(where: $w, order_by: $o, limit: $l, offset: $off) { id dataControllerId dataController { id } } }',
              variables: { w: where, o: order, l: limit, off: offset },
            },
          });
          assert.equal(response.status, 200, response.text);
          checkErrors(response.body);
          if (response.body.errors) errors++;
          for (const row of response.body.data?.dataSubjects ?? []) {
            rows++;
            assert.equal(row.dataControllerId, controllerA);
            assert.equal(row.dataController.id, controllerA);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The runs must have exercised both outcomes for the properties to mean anything.
    assert.ok(rows > 20, `only ${rows} rows came back`);
    assert.ok(errors > 0, 'no run produced an error (invalid uuids and timestamps should)');
  });

  it('answers random documents with errors, never a 5xx or internals', async () => {
    const fragments = fc.constantFrom(
      '{',
      '}',
      'query',
      'mutation',
      'dataSubjects',
      'dataControllers',
      '(',
      ')',
      'where:',
      '{_eq: 1}',
      '$x',
      '...',
      'fragment',
      'on',
      '__schema',
      '"s"',
      '[',
      ']',
      ' ',
      'id',
      '@skip(if: true)',
    );
    const document = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.array(fragments, { maxLength: 14 }).map((parts) => parts.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(
        document,
        fc.option(fc.dictionary(fc.constantFrom('x', 'w'), fc.jsonValue()), { nil: undefined }),
        async (query, variables) => {
          for (const token of [tokenA, undefined]) {
            const response = await server.call('/v1/graphql', { token, body: { query, variables } });
            assert.ok(response.status < 500, `${response.status} for ${JSON.stringify(query)}: ${response.text}`);
            checkErrors(response.body);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
