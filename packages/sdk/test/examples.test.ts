import assert from 'node:assert/strict';
import { type ExecFileException, execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './helpers/pavise-server.js';

const execFileAsync = promisify(execFile);

interface ExampleRun {
  code: number | string | null | undefined;
  signal: NodeJS.Signals | null | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a compiled example as a user would: its own Node process, configured by the environment alone. */
async function runExample(name: string, env: NodeJS.ProcessEnv): Promise<ExampleRun> {
  const script = fileURLToPath(new URL(`../examples/${name}.js`, import.meta.url));
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [script], { env, timeout: 30_000 });
    return { code: 0, signal: null, stdout, stderr };
  } catch (error) {
    const failed = error as ExecFileException & { stdout?: string; stderr?: string };
    if (failed.stdout === undefined) throw error; // it never ran
    return { code: failed.code, signal: failed.signal, stdout: failed.stdout, stderr: failed.stderr ?? '' };
  }
}

interface Controller {
  id: string;
  title: string;
  did: string;
  __typename?: string;
}

/**
 * The README's integrations, run for real: each example in examples/ signs in with the bootstrap
 * owner's PAT through `new PaviseClient()` and prints the owner's data controllers as JSON.
 */
describe('the examples (Apollo Client, urql, graphql-request over client.fetch)', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  /** The owner's controllers as the server itself answers them, with each one's __typename. */
  let controllers: Required<Controller>[];

  before(async () => {
    server = await startTestServer();
    assert.ok(server.bootstrap, 'the server printed no bootstrap block');
    // Only what the test sets: no PAVISE_* or DXTRA_* setting of the suite's own may leak in.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(PAVISE|DXTRA)_/.test(name)),
    );
    env = {
      ...inherited,
      PAVISE_PAT: server.bootstrap.pat,
      PAVISE_AUTH_URL: server.url,
      PAVISE_API_URL: `${server.url}/v1/graphql`,
    };

    const session = await server.signIn();
    const response = await server.call('/v1/graphql', {
      token: session.accessToken,
      body: { query: '{ dataControllers { id title did __typename } }' },
    });
    assert.equal(response.status, 200, response.text);
    controllers = response.body.data.dataControllers;
    assert.equal(controllers.length, 1, response.text);
    assert.equal(controllers[0]!.title, 'My Organisation');
    assert.match(controllers[0]!.did, /^did:dep:[0-9a-f]{64}$/);
  });
  after(() => server.close());

  const withoutTypename = () => controllers.map(({ id, title, did }) => ({ id, title, did }));

  for (const [name, expected] of [
    // Apollo's InMemoryCache adds __typename to every selection set below the root.
    ['apollo-client', () => ({ dataControllers: controllers })],
    ['urql', () => ({ dataControllers: withoutTypename() })],
    ['graphql-request', () => ({ dataControllers: withoutTypename() })],
  ] as const) {
    it(`${name}: prints the owner's data controllers and exits 0`, async () => {
      const run = await runExample(name, env);
      assert.equal(
        run.code,
        0,
        `exit ${run.code} (signal ${run.signal})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
      );
      let printed: { dataControllers: Controller[] };
      try {
        printed = JSON.parse(run.stdout);
      } catch {
        assert.fail(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
      }
      assert.deepEqual(printed, expected());
      const [controller] = printed.dataControllers;
      assert.equal(controller!.title, 'My Organisation');
      assert.match(controller!.did, /^did:dep:[0-9a-f]{64}$/);
    });
  }

  it("seed-flows: seed 000's flow — lists, creates a controller, reports an error by its code", async () => {
    const run = await runExample('seed-flows', env);
    assert.equal(run.code, 0, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines[0], 'Found 1 data controllers');
    assert.match(lines[1]!, /^Created controller: [0-9a-f-]{36}$/);
    assert.equal(lines[2], "Error: validation-failed: field 'nope' not found in type: 'dataControllers'");
    const created = lines[1]!.slice('Created controller: '.length);
    const [row] = await server.pavise.db.query<{ title: string }>(
      'SELECT title FROM public.data_controllers WHERE id = $1',
      [created],
    );
    assert.equal(row?.title, 'Example Corp');
  });
});
