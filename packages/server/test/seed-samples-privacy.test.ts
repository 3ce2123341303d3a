import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import { decodeJwt } from './helpers/http.js';
import { unless } from './helpers/requirements.js';
import {
  importSeedSample,
  pythonCanImport,
  runSeedPython,
  runSeedShell,
  type SeedPythonRun,
  seedSample,
} from './helpers/seeds.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The code blocks of seeds 000 (Python code samples), 001 (First Integration Guide) and 003 (Your
 * First Request) that signin-pat, graphql-queries and graphql-mutations do not run: every Python
 * block, 001's createDataSubject blocks (curl, JavaScript, Python) and 003's Step 2 JavaScript.
 * Each runs verbatim from test/seed-samples/ against a started server, with only the hosts and
 * the placeholders replaced. A block that only defines functions gets an epilogue calling them;
 * one that uses what an earlier block defines gets a prologue defining it.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_GQL = 'gql is not installable here: PyPI is unreachable and Debian does not package it';
const gqlSkip = (await pythonCanImport('gql')) ? false : NO_GQL;
const noPython = await unless('seed-python');
const noCurl = await unless('curl');
const noPythonOrCurl = await unless('seed-python', 'curl');

/** What the run printed last, as JSON (the epilogues print what the test checks there); it must have exited 0. */
function printed(run: SeedPythonRun): any {
  assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

/** A Python string literal of `value`. */
const py = (value: string) => JSON.stringify(value);

describe('seed samples (Python; createDataSubject; 003 Step 2 JavaScript)', () => {
  let server: TestServer;
  /** A second Pavise: its JWTs are not valid on `server`. */
  let elsewhere: TestServer;
  let pat: string;
  let jwt: string;
  let controllerId: string;

  const graphql = async (query: string, variables?: unknown) => {
    const response = await server.call('/v1/graphql', { token: jwt, body: { query, variables } });
    assert.equal(response.status, 200, response.text);
    assert.ok(response.body.data, response.text);
    return response.body.data;
  };
  /** The caller's data controllers, as the samples should see them. */
  const controllers = async (): Promise<{ id: string; title: string }[]> =>
    (await graphql('{ dataControllers { id title } }')).dataControllers;

  before(async () => {
    [server, elsewhere] = await Promise.all([startTestServer(), startTestServer()]);
    pat = server.bootstrap!.pat;
    jwt = (await server.signIn()).accessToken;
    const mine = await controllers();
    assert.deepEqual(
      mine.map((c) => c.title),
      ['My Organisation'],
    );
    controllerId = mine[0]!.id;
  });
  after(() => Promise.all([server?.close(), elsewhere?.close()]));

  describe('seed 000: Python code samples', { skip: noPython }, () => {
    it('"Making a GraphQL Query" prints the data controllers', async () => {
      const run = await runSeedPython('000-graphql-query.py', server.url, { placeholders: { YOUR_API_KEY: pat } });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^\\[\\{'id': '${controllerId}', 'title': 'My Organisation', 'did': 'did:dep:[0-9a-f]{64}', 'createdAt': '[^']+'\\}\\]\\n$`,
        ),
      );
    });

    it('"Making a GraphQL Query" prints the error and returns None for a key that does not exist', async () => {
      const run = await runSeedPython('000-graphql-query.py', server.url, {
        placeholders: { YOUR_API_KEY: generateToken('pat') },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /^Error exchanging API key for JWT: 401 Client Error: Unauthorized for url: http:\/\/127\.0\.0\.1:\d+\/v1\/signin\/pat$/m,
      );
      assert.match(run.stdout, /^Error fetching data controllers: 401 Client Error/m);
    });

    // The epilogue uses the configuration: sign in at config.auth_url, query config.api_url.
    const useConfig = `
import json
_jwt = requests.post(config.auth_url, json={"personalAccessToken": config.api_key}).json()["session"]["accessToken"]
_data = requests.post(config.api_url, headers={"Authorization": f"Bearer {_jwt}"}, json={"query": "{ dataControllers { title } }"}).json()
print(json.dumps({"auth_url": config.auth_url, "api_url": config.api_url, "titles": [c["title"] for c in _data["data"]["dataControllers"]]}))`;

    it('"Secure Configuration Pattern" reads DXTRA_API_KEY, with the (rewritten) default URLs', async () => {
      const run = await runSeedPython('000-config.py', server.url, {
        prologue: 'import requests',
        epilogue: useConfig,
        env: { DXTRA_API_KEY: pat },
      });
      assert.deepEqual(printed(run), {
        auth_url: `${server.url}/v1/signin/pat`,
        api_url: `${server.url}/v1/graphql`,
        titles: ['My Organisation'],
      });
    });

    it('"Secure Configuration Pattern" runs unrewritten, pointed at the server by DXTRA_AUTH_URL and DXTRA_API_URL', async () => {
      const env = {
        DXTRA_API_KEY: pat,
        DXTRA_AUTH_URL: `${server.url}/v1/signin/pat`,
        DXTRA_API_URL: `${server.url}/v1/graphql`,
      };
      const run = await runSeedPython('000-config.py', null, { prologue: 'import requests', epilogue: useConfig, env });
      assert.deepEqual(printed(run), {
        auth_url: env.DXTRA_AUTH_URL,
        api_url: env.DXTRA_API_URL,
        titles: ['My Organisation'],
      });
    });

    it('"Secure Configuration Pattern" refuses to start without DXTRA_API_KEY', async () => {
      const run = await runSeedPython('000-config.py', server.url);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^ValueError: DXTRA_API_KEY environment variable is required$/m);
    });

    it('"Production API Client" queries, re-authenticates on a 401 and when the token is due, and raises GraphQL and sign-in errors', async () => {
      const epilogue = `
import json, os
out = {}
client = DxtraApiClient(os.environ["DXTRA_API_KEY"])
out["controllers"] = client.query("query GetDataControllers { dataControllers { id title } }")["dataControllers"]
out["byId"] = client.query("query($id: uuid!) { dataController(id: $id) { title } }", {"id": ${py(controllerId)}})
out["expiresInS"] = (client.token_expires - datetime.now()).total_seconds()
client.jwt_token = "stale"
out["after401"] = client.query("{ dataControllers { title } }")
out["reauthenticated"] = client.jwt_token != "stale"
client.token_expires = datetime.now() - timedelta(seconds=1)
client.query("{ dataControllers { id } }")
out["renewed"] = client.token_expires > datetime.now()
try:
    client.query("{ noSuchField }")
except Exception as e:
    out["graphqlError"] = str(e)
try:
    DxtraApiClient(${py(generateToken('pat'))}).query("{ dataControllers { id } }")
except Exception as e:
    out["signInError"] = str(e)
print(json.dumps(out))`;
      const run = await runSeedPython('000-requests-client.py', server.url, { epilogue, env: { DXTRA_API_KEY: pat } });
      const out = printed(run);
      assert.deepEqual(out.controllers, await controllers());
      assert.deepEqual(out.byId, { dataController: { title: 'My Organisation' } });
      // The server's tokens last 3600 s; the client renews 120 s early.
      assert.ok(out.expiresInS > 3400 && out.expiresInS <= 3480, String(out.expiresInS));
      assert.deepEqual(out.after401, { dataControllers: [{ title: 'My Organisation' }] });
      assert.equal(out.reauthenticated, true);
      assert.equal(run.stdout.split('\n').filter((line) => line === 'Token expired, re-authenticating...').length, 1);
      assert.equal(out.renewed, true);
      assert.match(out.graphqlError, /^GraphQL Error: .*noSuchField/);
      assert.match(out.signInError, /^Authentication failed: 401 Client Error: Unauthorized/);
    });

    it('"Handling HTTP Errors" tells success, 401, other HTTP statuses and other failures apart', async () => {
      const epilogue = `
import json
from requests_client import DxtraApiClient
client = DxtraApiClient(${py(pat)})
out = {}
out["ok"] = safe_graphql_request(client, "query($id: uuid!) { dataController(id: $id) { title } }", {"id": ${py(controllerId)}})
# Signed in at another server: its tokens are refused here, after two re-authentications.
out["unauthorized"] = safe_graphql_request(DxtraApiClient(${py(elsewhere.bootstrap!.pat)}, auth_url=${py(`${elsewhere.url}/v1/signin/pat`)}), "{ dataControllers { id } }")
out["notFound"] = safe_graphql_request(DxtraApiClient(${py(pat)}, api_url=${py(`${server.url}/v1/nowhere`)}), "{ dataControllers { id } }")
out["graphql"] = safe_graphql_request(client, "{ noSuchField }")
print(json.dumps(out))`;
      const run = await runSeedPython('000-handling-http-errors.py', server.url, {
        epilogue,
        modules: { requests_client: '000-requests-client.py' },
      });
      const out = printed(run);
      assert.deepEqual(out.ok, { success: true, data: { dataController: { title: 'My Organisation' } } });
      assert.deepEqual(out.unauthorized, { success: false, error: 'Unauthorized - token expired or invalid' });
      assert.equal(run.stdout.split('\n').filter((line) => line === 'Token expired, re-authenticating...').length, 2);
      assert.equal(out.notFound.success, false);
      assert.match(
        out.notFound.error,
        /^HTTP 404: 404 Client Error: Not Found for url: http:\/\/127\.0\.0\.1:\d+\/v1\/nowhere$/,
      );
      assert.equal(out.graphql.success, false);
      assert.match(out.graphql.error, /^Request failed: GraphQL Error: .*noSuchField/);
    });

    it('"GraphQL Error Handling" returns the data, or prints the error, its code and path and returns None', async () => {
      const epilogue = `
import json
from requests_client import DxtraApiClient
client = DxtraApiClient(${py(pat)})
client.authenticate()
out = {"ok": execute_with_error_handling(client, "query($id: uuid!) { dataController(id: $id) { title } }", {"id": ${py(controllerId)}})}
print("--- invalid query")
out["invalid"] = execute_with_error_handling(client, "{ noSuchField }")
print("--- invalid token")
client.jwt_token = "not-a-jwt"
out["unauthorized"] = execute_with_error_handling(client, "{ dataControllers { id } }")
print(json.dumps(out))`;
      // The block uses requests, which the page's earlier blocks import.
      const run = await runSeedPython('000-graphql-error-handling.py', server.url, {
        prologue: 'import requests',
        epilogue,
        modules: { requests_client: '000-requests-client.py' },
      });
      assert.deepEqual(printed(run), {
        ok: { dataController: { title: 'My Organisation' } },
        invalid: null,
        unauthorized: null,
      });
      const [, invalid, unauthorized] = run.stdout.split(/^--- .*$/m);
      // As in Hasura, an error's path is in its extensions: the block's error.get('path') is None.
      assert.match(invalid!, /^GraphQL Error: .*noSuchField.*\nError code: validation-failed\nError path: None$/m);
      assert.match(unauthorized!, /^GraphQL Error: .*JWT.*\nError code: invalid-jwt\nError path: None$/m);
    });

    it('"Type-Safe Async GraphQL Client" (gql) counts the data controllers', { skip: gqlSkip }, async () => {
      const run = await runSeedPython('000-async-client.py', server.url, { env: { DXTRA_API_KEY: pat } });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `Found ${(await controllers()).length} data controllers\n`);
    });

    it('"Client Usage Examples" (gql) counts the controllers with the sync client and inserts one with the async client', {
      skip: gqlSkip,
    }, async () => {
      const before = await controllers();
      // `from requests_client import DxtraApiClient`: the "Production API Client" block; the block
      // also uses DxtraAsyncClient, which the "Type-Safe Async GraphQL Client" block defines.
      const run = await runSeedPython('000-client-usage.py', server.url, {
        prologue: 'from dxtra_async_client import DxtraAsyncClient',
        modules: { requests_client: '000-requests-client.py', dxtra_async_client: '000-async-client.py' },
        env: { DXTRA_API_KEY: pat },
      });
      assert.equal(run.code, 0, run.stderr);
      const created = /^Created controller: (\S+)$/m.exec(run.stdout)?.[1];
      assert.match(run.stdout, new RegExp(`^Found ${before.length} data controllers$`, 'm'));
      assert.match(created ?? '', UUID, run.stdout);
      assert.deepEqual(
        (await controllers()).find((c) => c.id === created),
        { id: created, title: 'Example Corp' },
      );
    });
  });

  describe('seed 001: First Integration Guide', () => {
    it('Step 2 Python: get_access_token returns a JWT and raises for a PAT that does not exist', {
      skip: noPython,
    }, async () => {
      const epilogue = `
import json
try:
    get_access_token(${py(generateToken('pat'))})
    status = None
except requests.HTTPError as e:
    status = e.response.status_code
print(json.dumps({"jwt": get_access_token(${py(pat)}), "status": status}))`;
      const out = printed(await runSeedPython('001-get-access-token.py', server.url, { epilogue }));
      assert.equal(decodeJwt(out.jwt).sub, decodeJwt(jwt).sub);
      assert.equal(out.status, 401);
    });

    it('Step 3 Python: graphql_query prints the data controllers and raises GraphQL errors', {
      skip: noPython,
    }, async () => {
      const epilogue = `
import json
try:
    graphql_query(jwt, "{ noSuchField }")
    error = None
except Exception as e:
    error = str(e)
print(json.dumps({"data": data, "error": error}))`;
      const run = await runSeedPython('001-graphql-query.py', server.url, { prologue: `jwt = ${py(jwt)}`, epilogue });
      const out = printed(run);
      assert.match(
        run.stdout,
        new RegExp(
          `^\\[\\{'id': '${controllerId}', 'title': 'My Organisation', 'did': 'did:dep:[0-9a-f]{64}', 'createdAt': '[^']+'\\}\\]$`,
          'm',
        ),
      );
      assert.deepEqual(
        out.data.dataControllers.map((c: { id: string; title: string }) => ({ id: c.id, title: c.title })),
        await controllers(),
      );
      assert.match(out.error, /noSuchField/);
    });

    describe('Create a Data Subject (curl, JavaScript, Python): the same person, registered once', () => {
      let subjectsBefore: number;
      let firstId: string | undefined;
      const count = async (): Promise<number> =>
        (await graphql('{ dataSubjectsAggregate { aggregate { count } } }')).dataSubjectsAggregate.aggregate.count;

      before(async () => {
        subjectsBefore = await count();
      });

      /** The contract of createDataSubject; the same email for the same controller gives the same data subject. */
      async function assertCreated(created: { dataSubjectId: string; message: string }) {
        assert.deepEqual(Object.keys(created), ['dataSubjectId', 'message']);
        assert.match(created.dataSubjectId, UUID);
        assert.equal(typeof created.message, 'string');
        assert.ok(created.message.length > 0);
        firstId ??= created.dataSubjectId;
        assert.equal(
          created.dataSubjectId,
          firstId,
          'test@example.com of the same controller is the same data subject',
        );
        const { dataSubject } = await graphql(
          'query($id: uuid!) { dataSubject(id: $id) { id dataController { id } } }',
          { id: created.dataSubjectId },
        );
        assert.deepEqual(dataSubject, { id: created.dataSubjectId, dataController: { id: controllerId } });
      }

      it('curl', { skip: noCurl }, async () => {
        const body = JSON.parse(
          await runSeedShell(
            '001-create-data-subject.sh',
            server.url,
            { YOUR_CONTROLLER_ID: controllerId },
            { JWT_TOKEN: jwt },
          ),
        );
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        await assertCreated(body.data.createDataSubject);
      });

      it('JavaScript (after Step 3’s block, which defines queryGraphQL)', async () => {
        const prologue = `const jwt = ${JSON.stringify(jwt)};\n${await seedSample('001-query-graphql.js', server.url)}`;
        const { result } = await importSeedSample(
          '001-create-data-subject.js',
          server.url,
          'export { result };',
          { YOUR_CONTROLLER_ID: controllerId },
          prologue,
        );
        await assertCreated(result.createDataSubject);
      });

      it('Python (after Step 3’s block, which defines graphql_query)', { skip: noPython }, async () => {
        const prologue = `jwt = ${py(jwt)}\n${await seedSample('001-graphql-query.py', server.url)}`;
        const run = await runSeedPython('001-create-data-subject.py', server.url, {
          prologue,
          epilogue: 'import json\nprint(json.dumps(result["createDataSubject"]))',
          placeholders: { YOUR_CONTROLLER_ID: controllerId },
        });
        const created = printed(run);
        assert.match(
          run.stdout,
          new RegExp(`^Created: \\{'dataSubjectId': '${created.dataSubjectId}', 'message': .+\\}$`, 'm'),
        );
        await assertCreated(created);
      });

      it('the three registered one data subject', { skip: noPythonOrCurl }, async () => {
        assert.ok(firstId, 'no sample created a data subject');
        assert.equal(await count(), subjectsBefore + 1);
      });
    });
  });

  describe('seed 003: Your First Request', () => {
    it('Step 1 Python leaves a JWT in access_token, and raises for a PAT that does not exist', {
      skip: noPython,
    }, async () => {
      const ok = await runSeedPython('003-step-1.py', server.url, {
        placeholders: { YOUR_PAT: pat },
        epilogue: 'print(access_token)',
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(decodeJwt(ok.stdout.trim()).sub, decodeJwt(jwt).sub);
      const refused = await runSeedPython('003-step-1.py', server.url, {
        placeholders: { YOUR_PAT: generateToken('pat') },
        epilogue: 'print(access_token)',
      });
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /^requests\.exceptions\.HTTPError: 401 Client Error: Unauthorized/m);
    });

    it('Step 2 JavaScript reads the data controllers with the default role', async () => {
      const { data } = await importSeedSample(
        '003-step-2.js',
        server.url,
        'export { data };',
        {},
        `const accessToken = ${JSON.stringify(jwt)};`,
      );
      assert.deepEqual(data.dataControllers, await controllers());
      assert.ok(
        data.dataControllers.some(
          (c: { id: string; title: string }) => c.id === controllerId && c.title === 'My Organisation',
        ),
      );
    });

    it('Step 1 then Step 2 Python read the data controllers', { skip: noPython }, async () => {
      const run = await runSeedPython('003-step-2.py', server.url, {
        prologue: await seedSample('003-step-1.py', server.url, { YOUR_PAT: pat }),
        epilogue: 'import json\nprint(json.dumps(data))',
      });
      const data = printed(run);
      assert.deepEqual(data.dataControllers, await controllers());
      assert.ok(
        data.dataControllers.some(
          (c: { id: string; title: string }) => c.id === controllerId && c.title === 'My Organisation',
        ),
      );
    });
  });
});
