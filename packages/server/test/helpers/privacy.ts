import type { Response } from './http.js';
import type { TestServer } from './server.js';

/**
 * What the privacy-domain tests share: GraphQL calls as any role, members with a given
 * dashboard role, and data subjects registered through createDataSubject.
 */
export const ADMIN_SECRET = 'privacy-test-admin-secret-0123456789';

/** Start the server with `{ PAVISE_ADMIN_SECRET: ADMIN_SECRET }` to use `admin` and `asSubject`. */
export interface Caller {
  token?: string;
  headers?: Record<string, string>;
}

export const admin: Caller = { headers: { 'x-hasura-admin-secret': ADMIN_SECRET } };

/**
 * A data subject's session, as the Transparency Center will make it: role dataSubject with its
 * id in X-Hasura-Data-Subject-Id (here through the admin secret, as Hasura allows).
 */
export function asSubject(dataSubjectId: string): Caller {
  return {
    headers: {
      'x-hasura-admin-secret': ADMIN_SECRET,
      'x-hasura-role': 'dataSubject',
      'x-hasura-data-subject-id': dataSubjectId,
    },
  };
}

export function gql(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller = {},
): Promise<Response> {
  return server.call('/v1/graphql', { body: { query, variables }, token: caller.token, headers: caller.headers });
}

/** The data of a GraphQL answer, or a thrown error with its errors (for setup steps that must work). */
export async function gqlData(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller = {},
): Promise<any> {
  const response = await gql(server, query, variables, caller);
  if (response.status !== 200 || response.body.errors)
    throw new Error(`GraphQL failed (${response.status}): ${response.text}`);
  return response.body.data;
}

export interface Member {
  email: string;
  userId: string;
  token: string;
}

let members = 0;

/** A new account (signed up by email and password) with `role` in `controllerId`, and its JWT. */
export async function memberWithRole(server: TestServer, controllerId: string, role: string): Promise<Member> {
  const email = `member-${++members}-${role.toLowerCase()}-${Date.now()}@example.com`;
  const signUp = await server.call('/v1/signup/email-password', { body: { email, password: 'member password 123' } });
  if (signUp.status !== 200) throw new Error(`sign-up failed: ${signUp.status} ${signUp.text}`);
  const userId = signUp.body.session.user.id as string;
  await gqlData(
    server,
    'mutation($c: uuid!, $u: uuid!, $r: String!) { insertDataControllerUser(object: {dataControllerId: $c, userId: $u, role: $r}) { id } }',
    { c: controllerId, u: userId, r: role },
    admin,
  );
  return { email, userId, token: signUp.body.session.accessToken };
}

/** A new data controller owned by a new account (the inserting user becomes its owner). */
export async function newController(
  server: TestServer,
  title: string,
): Promise<{ controllerId: string; owner: Member }> {
  const email = `owner-${++members}-${Date.now()}@example.com`;
  const signUp = await server.call('/v1/signup/email-password', { body: { email, password: 'owner password 123' } });
  if (signUp.status !== 200) throw new Error(`sign-up failed: ${signUp.status} ${signUp.text}`);
  const owner: Member = { email, userId: signUp.body.session.user.id, token: signUp.body.session.accessToken };
  const data = await gqlData(
    server,
    'mutation($t: String!) { insertDataController(object: {title: $t}) { id } }',
    { t: title },
    { token: owner.token },
  );
  return { controllerId: data.insertDataController.id, owner };
}

/** Registers a data subject through createDataSubject and returns its id. */
export async function createSubject(
  server: TestServer,
  caller: Caller,
  controllerId: string,
  payload: Record<string, unknown>,
  event = 'signup',
): Promise<string> {
  const data = await gqlData(
    server,
    'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId message } }',
    { input: { event, dataControllerId: controllerId, payload } },
    caller,
  );
  return data.createDataSubject.dataSubjectId;
}
