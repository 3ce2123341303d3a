import type { TestDatabase } from './database.js';
import type { Response } from './http.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/**
 * What the privacy-domain tests share: GraphQL calls as any role, members with a given
 * dashboard role, data subjects registered through createDataSubject, purposes and consent
 * forms; and a test server with all of them bound to it (startPrivacyServer).
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

/** The data of a GraphQL answer (a gql call), or a thrown error with its errors (for setup steps that must work). */
export async function gqlData(...call: Parameters<typeof gql>): Promise<any> {
  const response = await gql(...call);
  if (response.status !== 200 || response.body.errors)
    throw new Error(`GraphQL failed (${response.status}): ${response.text}`);
  return response.body.data;
}

/** The value of the one root field an operation selects (for reads and writes of one thing). */
export async function gqlField(...call: Parameters<typeof gql>): Promise<any> {
  const data = await gqlData(...call);
  const fields = Object.keys(data);
  if (fields.length !== 1) throw new Error(`expected one root field, got ${fields.join(', ')}`);
  return data[fields[0]!];
}

export interface Member {
  email: string;
  password: string;
  userId: string;
  token: string;
}

let accounts = 0;

/** A new account, signed up by email and password, and its JWT. */
async function signUp(server: TestServer, email: string, password: string): Promise<Member> {
  const response = await server.call('/v1/signup/email-password', { body: { email, password } });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${response.text}`);
  return { email, password, userId: response.body.session.user.id, token: response.body.session.accessToken };
}

/** A new account with `role` in `controllerId`. */
export async function memberWithRole(server: TestServer, controllerId: string, role: string): Promise<Member> {
  const member = await signUp(
    server,
    `member-${++accounts}-${role.toLowerCase()}-${Date.now()}@example.com`,
    'Member-passw0rd-123',
  );
  await insertOne(server, admin, 'insertDataControllerUser', 'dataControllerUsers', {
    dataControllerId: controllerId,
    userId: member.userId,
    role,
  });
  return member;
}

/** A data controller and its owner. */
export interface Controller {
  controllerId: string;
  owner: Member;
}

/** A new data controller owned by a new account (the inserting user becomes its owner). */
export async function newController(server: TestServer, title: string): Promise<Controller> {
  const owner = await signUp(server, `owner-${++accounts}-${Date.now()}@example.com`, 'Owner-passw0rd-123');
  const controllerId = await insertOne(server, { token: owner.token }, 'insertDataController', 'dataControllers', {
    title,
  });
  return { controllerId, owner };
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

/** Inserts one row through GraphQL as `caller` (`field` of the table `table`) and returns its id. */
async function insertOne(
  server: TestServer,
  caller: Caller,
  field: string,
  table: string,
  object: Record<string, unknown>,
): Promise<string> {
  const data = await gqlData(
    server,
    `mutation($o: ${table}_insert_input!) { ${field}(object: $o) { id } }`,
    { o: object },
    caller,
  );
  return data[field].id;
}

type Row = { dataControllerId: string; name: string } & Record<string, unknown>;

/** Records a purpose (legal basis consent unless `object` says otherwise) and returns its id. */
export function insertPurpose(server: TestServer, caller: Caller, object: Row): Promise<string> {
  return insertOne(server, caller, 'insertPurpose', 'purposes', { legalBasis: 'consent', ...object });
}

/** Records a consent form asking for `purposeIds` and returns its id. */
export async function insertConsentForm(
  server: TestServer,
  caller: Caller,
  object: Row,
  purposeIds: string[],
): Promise<string> {
  const consentFormId = await insertOne(server, caller, 'insertConsentForm', 'consentForms', object);
  for (const purposeId of purposeIds) {
    const link = { dataControllerId: object.dataControllerId, consentFormId, purposeId };
    await insertOne(server, caller, 'insertConsentFormPurpose', 'consentFormPurposes', link);
  }
  return consentFormId;
}

type Bound<F> = F extends (server: TestServer, ...args: infer A) => infer R ? (...args: A) => R : never;

/** A test server that knows ADMIN_SECRET, with the helpers of this file bound to it. */
export interface PrivacyServer extends TestServer {
  gql: Bound<typeof gql>;
  gqlData: Bound<typeof gqlData>;
  gqlField: Bound<typeof gqlField>;
  memberWithRole: Bound<typeof memberWithRole>;
  newController: Bound<typeof newController>;
  createSubject: Bound<typeof createSubject>;
  insertPurpose: Bound<typeof insertPurpose>;
  insertConsentForm: Bound<typeof insertConsentForm>;
}

/** startTestServer with `PAVISE_ADMIN_SECRET: ADMIN_SECRET` (so `admin` and `asSubject` work) added to `env`. */
export async function startPrivacyServer(
  env: Record<string, string> = {},
  database?: TestDatabase,
  options?: TestServerOptions,
): Promise<PrivacyServer> {
  const server = await startTestServer({ PAVISE_ADMIN_SECRET: ADMIN_SECRET, ...env }, database, options);
  return {
    ...server,
    gql: (...args) => gql(server, ...args),
    gqlData: (...args) => gqlData(server, ...args),
    gqlField: (...args) => gqlField(server, ...args),
    memberWithRole: (...args) => memberWithRole(server, ...args),
    newController: (...args) => newController(server, ...args),
    createSubject: (...args) => createSubject(server, ...args),
    insertPurpose: (...args) => insertPurpose(server, ...args),
    insertConsentForm: (...args) => insertConsentForm(server, ...args),
  };
}

/**
 * A real data subject's session, as the Transparency Center gets one: a magic link asked for
 * `email` at `controllerId`, read from the development outbox's log line (the test server runs
 * without SMTP, so the link is logged), followed, and its refresh token exchanged for a session.
 */
export async function signInSubject(
  server: TestServer,
  controllerId: string,
  email: string,
): Promise<{ token: string; refreshToken: string; subjectId: string }> {
  const linksLogged = () =>
    server
      .logs()
      .split('\n')
      .filter((line) => line.includes('"links"'))
      .flatMap((line) => JSON.parse(line).links as string[]);
  const before = linksLogged().length;
  const asked = await server.call('/v1/signin/passwordless/email', {
    body: { email, options: { dataControllerId: controllerId } },
  });
  if (asked.status !== 200) throw new Error(`asking for a link failed: ${asked.status} ${asked.text}`);
  const deadline = Date.now() + 10_000;
  while (linksLogged().length === before) {
    if (Date.now() > deadline) throw new Error(`no sign-in link was kept for ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const link = linksLogged().at(-1)!;
  const followed = await fetch(link, { redirect: 'manual' });
  const refreshToken = new URL(followed.headers.get('location') ?? '').searchParams.get('refreshToken');
  if (followed.status !== 302 || !refreshToken) throw new Error(`the sign-in link failed: ${followed.status}`);
  const session = await server.call('/v1/token', { body: { refreshToken } });
  if (session.status !== 200) throw new Error(`refreshing failed: ${session.status} ${session.text}`);
  return { token: session.body.accessToken, refreshToken: session.body.refreshToken, subjectId: session.body.user.id };
}
