import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';
import { graphql, type Tenant, twoTenants } from './helpers/tenants.js';

/**
 * The anonymous role (no Authorization header) and numeric updates, over privacy notices: the
 * table where both occur in the model. Anonymous visitors read published notices only.
 */
describe('GraphQL: the anonymous role and _inc', () => {
  const server = suiteServer();
  let a: Tenant;
  let b: Tenant;
  let published: string;
  let draft: string;
  const gql = (query: string, options?: Parameters<typeof graphql>[2]) => graphql(server, query, options);
  const insertNotice = async (tenant: Tenant, title: string, status: 'draft' | 'published') => {
    const [row] = await server.pavise.db.query<{ id: string }>(
      `INSERT INTO public.privacy_notices (data_controller_id, title, content, status, published_at)
       VALUES ($1, $2, 'We process ...', $3, CASE WHEN $3 = 'published' THEN now() END) RETURNING id`,
      [tenant.controllerId, title, status],
    );
    return row!.id;
  };

  before(async () => {
    ({ a, b } = await twoTenants(server));
    published = await insertNotice(a, 'Website notice', 'published');
    draft = await insertNotice(a, 'Employee notice (draft)', 'draft');
    await insertNotice(b, 'B website notice', 'published');
  });

  it('lets a visitor without a token read published notices, and nothing else', async () => {
    const response = await gql('{ privacyNotices(order_by: {title: asc}) { title version publishedAt } }');
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.data.privacyNotices.map((n: { title: string }) => n.title),
      ['B website notice', 'Website notice'],
    );

    const byPk = await gql(
      'query($p: uuid!, $d: uuid!) { published: privacyNotice(id: $p) { title } draft: privacyNotice(id: $d) { title } }',
      { variables: { p: published, d: draft } },
    );
    assert.deepEqual(
      byPk.body.data,
      { published: { title: 'Website notice' }, draft: null },
      'a draft is null by primary key, as a row that does not exist',
    );

    for (const [query, message] of [
      ['{ privacyNotices { status } }', "field 'status' not found in type: 'privacyNotices'"],
      ['{ privacyNotices { dataController { title } } }', "field 'dataController' not found in type: 'privacyNotices'"],
      [
        '{ privacyNoticesAggregate { aggregate { count } } }',
        "field 'privacyNoticesAggregate' not found in type: 'query_root'",
      ],
      ['{ dataSubjects { id } }', "field 'dataSubjects' not found in type: 'query_root'"],
      [
        'mutation { deletePrivacyNotices(where: {}) { affected_rows } }',
        "field 'deletePrivacyNotices' not found in type: 'mutation_root'",
      ],
    ]) {
      const refused = await gql(query!);
      assert.equal(refused.status, 200, query);
      assert.equal(refused.body.errors[0].extensions.code, 'validation-failed', query);
      assert.equal(refused.body.errors[0].message, message, query);
    }
    assert.equal(await countNotices(), 3, 'nothing was deleted');
  });

  it('caps an anonymous list at the permission’s row limit, whatever limit is asked', async () => {
    await server.pavise.db.query(
      `INSERT INTO public.privacy_notices (data_controller_id, title, status) SELECT $1, 'bulk ' || i, 'published' FROM generate_series(1, 120) AS i`,
      [b.controllerId],
    );
    try {
      const response = await gql('{ privacyNotices(limit: 500) { id } }');
      assert.equal(response.body.data.privacyNotices.length, 100);
    } finally {
      await server.pavise.db.query("DELETE FROM public.privacy_notices WHERE title LIKE 'bulk %'");
    }
  });

  it('serves getprivacynotices to visitors (published) and members (drafts too)', async () => {
    const anonymous = await server.call(`/api/rest/getprivacynotices?dataControllerId=${a.controllerId}`, {
      method: 'GET',
    });
    assert.equal(anonymous.status, 200);
    assert.deepEqual(
      anonymous.body.data.privacyNotices.map((n: { title: string }) => n.title),
      ['Website notice'],
    );
    const member = await server.call(`/api/rest/getprivacynotices?dataControllerId=${a.controllerId}`, {
      method: 'GET',
      token: a.token,
    });
    assert.deepEqual(member.body.data.privacyNotices.map((n: { title: string }) => n.title).sort(), [
      'Employee notice (draft)',
      'Website notice',
    ]);
    const stranger = await server.call(`/api/rest/getprivacynotices?dataControllerId=${a.controllerId}`, {
      method: 'GET',
      token: b.token,
    });
    assert.deepEqual(
      stranger.body.data.privacyNotices,
      [],
      'another tenant’s member sees no draft of A (and, as a user, no notice of A)',
    );
  });

  it('increments with _inc, alone or with _set, by primary key and by where', async () => {
    const byPk = await gql(
      'mutation($id: uuid!) { updatePrivacyNotice(pk_columns: {id: $id}, _inc: {version: 1}, _set: {status: "published"}) { version status } }',
      { token: a.token, variables: { id: draft } },
    );
    assert.deepEqual(byPk.body.data.updatePrivacyNotice, { version: 2, status: 'published' });
    const byWhere = await gql(
      'mutation($c: uuid!) { updatePrivacyNotices(where: {dataControllerId: {_eq: $c}}, _inc: {version: 10}) { affected_rows returning { version } } }',
      { token: a.token, variables: { c: a.controllerId } },
    );
    assert.equal(byWhere.body.data.updatePrivacyNotices.affected_rows, 2);
    assert.deepEqual(
      byWhere.body.data.updatePrivacyNotices.returning
        .map((r: { version: number }) => r.version)
        .sort((x: number, y: number) => x - y),
      [11, 12],
    );
    const [{ version }] = (await server.pavise.db.query<{ version: number }>(
      "SELECT version FROM public.privacy_notices WHERE title = 'B website notice'",
    )) as [{ version: number }];
    assert.equal(version, 1, 'B’s notice is outside A’s update filter');
  });

  it('refuses a column in _set and _inc together, and a value the column cannot hold, changing nothing', async () => {
    const both = await gql(
      'mutation($id: uuid!) { updatePrivacyNotice(pk_columns: {id: $id}, _set: {version: 5}, _inc: {version: 1}) { version } }',
      { token: a.token, variables: { id: published } },
    );
    assert.deepEqual(
      both.body,
      graphqlError(
        "Column found in multiple operators: ['version'].",
        'validation-failed',
        '$.selectionSet.updatePrivacyNotice.args',
      ),
    );
    const before = await versions();
    const notInt = await gql(
      'mutation($id: uuid!) { updatePrivacyNotice(pk_columns: {id: $id}, _inc: {version: 1.5}) { version } }',
      { token: a.token, variables: { id: published } },
    );
    assert.equal(notInt.body.errors[0].extensions.code, 'validation-failed');
    const negative = await gql(
      'mutation($id: uuid!) { updatePrivacyNotice(pk_columns: {id: $id}, _inc: {version: -100}) { version } }',
      { token: a.token, variables: { id: published } },
    );
    assert.equal(
      negative.body.errors[0].extensions.code,
      'constraint-violation',
      'the CHECK (version >= 1) of the table',
    );
    assert.deepEqual(await versions(), before);
  });

  it('updates updatedAt on every change', async () => {
    const [{ updated_at: beforeUpdate }] = (await server.pavise.db.query<{ updated_at: Date }>(
      'SELECT updated_at FROM public.privacy_notices WHERE id = $1',
      [published],
    )) as [{ updated_at: Date }];
    const response = await gql(
      'mutation($id: uuid!) { updatePrivacyNotice(pk_columns: {id: $id}, _set: {title: "Website notice v2"}) { updatedAt } }',
      { token: a.token, variables: { id: published } },
    );
    assert.ok(new Date(response.body.data.updatePrivacyNotice.updatedAt) > beforeUpdate);
  });

  const countNotices = async () =>
    (await server.pavise.db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.privacy_notices'))[0]!.n;
  const versions = async () => server.pavise.db.query('SELECT id, version FROM public.privacy_notices ORDER BY id');
});
