import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';

describe('GraphQL actions', () => {
  const server = suiteServer();
  let a: { token: string; controllerId: string };
  let b: { token: string };
  const gql = (query: string, token: string | undefined, variables?: unknown, headers?: Record<string, string>) =>
    server.call('/v1/graphql', { token, headers, body: { query, variables } });
  const MUTATION =
    'mutation($id: uuid!) { generateDataControllerDID(dataControllerId: $id) { status message data { dataControllerId did } } }';

  before(async () => {
    const sessionA = await server.signIn();
    const list = await gql('{ dataControllers { id } }', sessionA.accessToken);
    a = { token: sessionA.accessToken, controllerId: list.body.data.dataControllers[0].id };
    await server.pavise.db.query('UPDATE public.data_controllers SET did = NULL');
    const signUp = await server.call('/v1/signup/email-password', {
      body: { email: 'b@example.com', password: 'Tenant-b-passw0rd' },
    });
    b = { token: signUp.body.session.accessToken };
  });

  it('generateDataControllerDID answers the documented {status, message, data} and stores the DID', async () => {
    const response = await gql(MUTATION, a.token, { id: a.controllerId });
    const did = `did:dep:${createHash('sha3-256').update(a.controllerId).digest('hex')}`;
    assert.deepEqual(response.body, {
      data: {
        generateDataControllerDID: {
          status: 'success',
          message: 'generateDataControllerDID',
          data: { dataControllerId: a.controllerId, did },
        },
      },
    });
    const stored = await gql('{ dataControllers { did } }', a.token);
    assert.deepEqual(stored.body.data.dataControllers, [{ did }]);
  });

  it('shapes the result to the selection: aliases, order, __typename, fields left out', async () => {
    const response = await gql(
      'mutation($id: uuid!) { g: generateDataControllerDID(dataControllerId: $id) { data { d: did } __typename } }',
      a.token,
      { id: a.controllerId },
    );
    assert.deepEqual(response.body.data.g, {
      data: { d: `did:dep:${createHash('sha3-256').update(a.controllerId).digest('hex')}` },
      __typename: 'GenerateDataControllerDIDOutput',
    });
  });

  it("refuses another tenant's controller, changing nothing", async () => {
    await server.pavise.db.query('UPDATE public.data_controllers SET did = NULL WHERE id = $1', [a.controllerId]);
    const response = await gql(MUTATION, b.token, { id: a.controllerId });
    assert.deepEqual(
      response.body,
      graphqlError('data controller not found', 'not-found', '$.selectionSet.generateDataControllerDID'),
    );
    const [row] = await server.pavise.db.query<{ did: string | null }>(
      'SELECT did FROM public.data_controllers WHERE id = $1',
      [a.controllerId],
    );
    assert.equal(row!.did, null);
  });

  it('runs in the request transaction: a later failing field rolls the action back', async () => {
    const response = await gql(
      'mutation($id: uuid!) { generateDataControllerDID(dataControllerId: $id) { status } insertDataSubjects(objects: [{dataControllerId: "00000000-0000-0000-0000-000000000000"}]) { affected_rows } }',
      a.token,
      { id: a.controllerId },
    );
    assert.ok(response.body.errors, response.text);
    const [row] = await server.pavise.db.query<{ did: string | null }>(
      'SELECT did FROM public.data_controllers WHERE id = $1',
      [a.controllerId],
    );
    assert.equal(row!.did, null, 'the DID written by the action was rolled back');
  });

  it('exists only for its roles, and bad input is a data-exception, not a 500', async () => {
    const anonymous = await gql(MUTATION, undefined, { id: a.controllerId });
    assert.equal(anonymous.body.errors[0].extensions.code, 'validation-failed');
    const me = await gql(MUTATION, a.token, { id: a.controllerId }, { 'x-hasura-role': 'me' });
    assert.equal(me.body.errors[0].extensions.code, 'validation-failed');
    const bad = await gql(MUTATION, a.token, { id: 'not-a-uuid' });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.errors[0].extensions.code, 'data-exception');
    const introspection = await gql('{ __type(name: "GenerateDataControllerDIDOutput") { fields { name } } }', a.token);
    assert.deepEqual(
      introspection.body.data.__type.fields.map((f: { name: string }) => f.name),
      ['status', 'message', 'data'],
    );
  });
});
