import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertGraphqlError } from './helpers/http.js';
import { seedSample } from './helpers/seeds.js';
import { suiteServer } from './helpers/suite.js';
import { graphql } from './helpers/tenants.js';

const ADMIN_SECRET = 'test-admin-secret-0123456789';

describe('GraphQL mutations', () => {
  const server = suiteServer({ PAVISE_ADMIN_SECRET: ADMIN_SECRET });
  let a: { token: string; controllerId: string };
  let b: { token: string };
  const gql = (query: string, options?: Parameters<typeof graphql>[2]) => graphql(server, query, options);
  const countRows = async (table: string) =>
    (await server.pavise.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${table}`))[0]!.n;

  before(async () => {
    const sessionA = await server.signIn();
    const list = await gql('{ dataControllers { id } }', { token: sessionA.accessToken });
    a = { token: sessionA.accessToken, controllerId: list.body.data.dataControllers[0].id };
    const signUp = await server.call('/v1/signup/email-password', {
      body: { email: 'b@example.com', password: 'Tenant-b-passw0rd' },
    });
    b = { token: signUp.body.session.accessToken };
  });

  it("inserts a data controller with seed 000's mutation, making the caller its owner", async () => {
    const query = await seedSample('000-insert-data-controller.graphql', server.url);
    const response = await gql(query, {
      token: b.token,
      variables: { object: { title: 'Example Corp', email: 'privacy@example.com' } },
    });
    assert.equal(response.status, 200);
    const controller = response.body.data.insertDataController;
    assert.deepEqual(Object.keys(controller), ['id', 'title', 'did']);
    assert.equal(controller.title, 'Example Corp');
    const mine = await gql('{ dataControllers { id title members { role } } }', { token: b.token });
    assert.deepEqual(mine.body.data.dataControllers, [
      { id: controller.id, title: 'Example Corp', members: [{ role: 'owner' }] },
    ]);
    const theirs = await gql('{ dataControllers { title } }', { token: a.token });
    assert.deepEqual(
      theirs.body.data.dataControllers,
      [{ title: 'My Organisation' }],
      'A does not see B’s new controller',
    );
  });

  it('inserts several rows, answering affected_rows and returning in the order asked', async () => {
    const response = await gql(
      `mutation($c: uuid!) { insertDataSubjects(objects: [{dataControllerId: $c, jurisdiction: "CCPA"}, {dataControllerId: $c}]) { returning { jurisdiction dataControllerId } affected_rows __typename } }`,
      { token: a.token, variables: { c: a.controllerId } },
    );
    const result = response.body.data.insertDataSubjects;
    assert.deepEqual(Object.keys(result), ['returning', 'affected_rows', '__typename']);
    assert.equal(result.affected_rows, 2);
    assert.equal(result.__typename, 'dataSubjects_mutation_response');
    assert.deepEqual(
      result.returning.map((r: { jurisdiction: string }) => r.jurisdiction).sort(),
      ['CCPA', 'GDPR'],
      'the second takes the default',
    );
  });

  it("refuses an insert that fails the permission's check, writing nothing", async () => {
    const before = await countRows('data_subjects');
    const response = await gql(
      `mutation($c: uuid!) { insertDataSubjects(objects: [{dataControllerId: $c}]) { affected_rows } }`,
      { token: b.token, variables: { c: a.controllerId } },
    );
    assertGraphqlError(
      response,
      'check constraint of an insert/update permission has failed',
      'permission-error',
      '$.selectionSet.insertDataSubjects',
    );
    assert.equal(await countRows('data_subjects'), before);
  });

  it('runs all mutation fields of a request in one transaction', async () => {
    const controllers = await countRows('data_controllers');
    const response = await gql(
      `mutation($c: uuid!) {
        first: insertDataController(object: {title: "Rolled back"}) { id }
        second: insertDataSubjects(objects: [{dataControllerId: $c}]) { affected_rows }
      }`,
      { token: b.token, variables: { c: a.controllerId } },
    );
    assert.equal(response.body.errors[0].extensions.code, 'permission-error');
    assert.equal(response.body.data, undefined);
    assert.equal(await countRows('data_controllers'), controllers, 'the first insert was rolled back');
  });

  it('updates only rows the role may update (_set, by primary key and by where)', async () => {
    const byPk = await gql(
      `mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {title: "Renamed"}) { id title } }`,
      { token: a.token, variables: { id: a.controllerId } },
    );
    assert.deepEqual(byPk.body.data.updateDataController, { id: a.controllerId, title: 'Renamed' });
    const foreign = await gql(
      `mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {title: "Hijacked"}) { id } }`,
      { token: b.token, variables: { id: a.controllerId } },
    );
    assert.deepEqual(foreign.body, { data: { updateDataController: null } });
    const all = await gql(
      'mutation { updateDataControllers(where: {}, _set: {email: "dpo@b.example"}) { affected_rows returning { title email } } }',
      { token: b.token },
    );
    assert.equal(all.body.data.updateDataControllers.affected_rows, 1);
    const [controllerA] = await server.pavise.db.query<{ title: string; email: string | null }>(
      'SELECT title, email FROM public.data_controllers WHERE id = $1',
      [a.controllerId],
    );
    assert.deepEqual(controllerA, { title: 'Renamed', email: null }, 'A’s controller untouched by B');
  });

  it('deletes with the admin secret, returning the deleted rows; the user role has no delete on the processing log', async () => {
    const userDelete = await gql('mutation { deleteDataProcessingActivities(where: {}) { affected_rows } }', {
      token: a.token,
    });
    assert.equal(
      userDelete.body.errors[0].message,
      "field 'deleteDataProcessingActivities' not found in type: 'mutation_root'",
    );
    const before = await countRows('data_subjects');
    const response = await gql(
      `mutation { deleteDataSubjects(where: {jurisdiction: {_eq: "CCPA"}}) { affected_rows returning { jurisdiction } } }`,
      { headers: { 'x-hasura-admin-secret': ADMIN_SECRET } },
    );
    assert.deepEqual(response.body, {
      data: { deleteDataSubjects: { affected_rows: 1, returning: [{ jurisdiction: 'CCPA' }] } },
    });
    assert.equal(await countRows('data_subjects'), before - 1);
  });

  it('reports constraint violations with Hasura’s codes and the field’s path', async () => {
    const response = await gql(
      `mutation { insertDataSubjects(objects: [{dataControllerId: "00000000-0000-0000-0000-000000000000"}]) { affected_rows } }`,
      { headers: { 'x-hasura-admin-secret': ADMIN_SECRET } },
    );
    assert.equal(response.body.errors[0].extensions.code, 'constraint-violation');
    assert.match(response.body.errors[0].message, /^Foreign key violation\. /);
    assert.equal(response.body.errors[0].extensions.path, '$.selectionSet.insertDataSubjects.args.objects');
    const missing = await gql('mutation { insertDataController(object: {}) { id } }', { token: a.token });
    assert.equal(missing.body.errors[0].extensions.code, 'constraint-violation');
    assert.match(missing.body.errors[0].message, /^Not-NULL violation\. /);
  });

  it('upserts with on_conflict: update the listed columns, do nothing, or only where allowed', async () => {
    const admin = { 'x-hasura-admin-secret': ADMIN_SECRET };
    const upsert = (onConflict: string, title: string) =>
      gql(
        `mutation($id: uuid!) { insertDataControllers(objects: [{id: $id, title: "${title}"}], on_conflict: ${onConflict}) { affected_rows returning { title } } }`,
        { headers: admin, variables: { id: a.controllerId } },
      );
    const title = async () =>
      (
        await server.pavise.db.query<{ title: string }>('SELECT title FROM public.data_controllers WHERE id = $1', [
          a.controllerId,
        ])
      )[0]!.title;

    const updated = await upsert('{constraint: data_controllers_pkey, update_columns: [title]}', 'Upserted');
    assert.deepEqual(updated.body, {
      data: { insertDataControllers: { affected_rows: 1, returning: [{ title: 'Upserted' }] } },
    });
    assert.equal(await title(), 'Upserted');
    const nothing = await upsert('{constraint: data_controllers_pkey, update_columns: []}', 'Ignored');
    assert.deepEqual(nothing.body, { data: { insertDataControllers: { affected_rows: 0, returning: [] } } });
    const filtered = await upsert(
      '{constraint: data_controllers_pkey, update_columns: [title], where: {title: {_eq: "something else"}}}',
      'Filtered',
    );
    assert.equal(filtered.body.data.insertDataControllers.affected_rows, 0);
    assert.equal(await title(), 'Upserted');
    const conflict = await gql(
      `mutation($id: uuid!) { insertDataController(object: {id: $id, title: "Dup"}) { id } }`,
      { headers: admin, variables: { id: a.controllerId } },
    );
    assert.equal(conflict.body.errors[0].extensions.code, 'constraint-violation');
    assert.match(
      conflict.body.errors[0].message,
      /^Uniqueness violation\. duplicate key value violates unique constraint "data_controllers_pkey"/,
    );
    assert.equal(conflict.body.errors[0].extensions.path, '$.selectionSet.insertDataController.args.object');

    // Only a role that may also update gets on_conflict: the processing log is append-only.
    const noUpsert = await gql(
      'mutation { insertDataProcessingActivities(objects: [], on_conflict: {constraint: data_processing_activities_pkey}) { affected_rows } }',
      { token: a.token },
    );
    assert.deepEqual(noUpsert.body.errors[0], {
      message: "'insertDataProcessingActivities' has no argument named 'on_conflict'",
      extensions: { path: '$.selectionSet.insertDataProcessingActivities', code: 'validation-failed' },
    });
  });

  it('hides columns a role may not write', async () => {
    const response = await gql('mutation { insertDataController(object: {title: "x", did: "forged"}) { id } }', {
      token: a.token,
    });
    assert.equal(response.body.errors[0].extensions.code, 'validation-failed');
    assert.match(response.body.errors[0].message, /did/);
  });
});
