import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type StaleInfo, XTRA_SDK_VERSION, XtraClient, type XtraClientOptions, XtraError } from '../src/index.js';
import { TIME, type WithTime } from '../src/time.js';
import { FakeTime } from './helpers/fake-time.js';
import { startTestServer, TestClock, type TestServer } from './helpers/pavise-server.js';

interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  at: number;
  status?: number;
  retryAfter?: string | null;
}

/** Records every request and the status of its answer, at the fetch layer, with the time it was sent (by `now`). */
class Transport {
  readonly requests: Sent[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const entry: Sent = { method: request.method, url: new URL(request.url), headers: request.headers, at: this.now() };
    this.requests.push(entry);
    const response = await fetch(request);
    entry.status = response.status;
    entry.retryAfter = response.headers.get('retry-after');
    return response;
  };

  /** GETs of a secrets map, the reads the cache is meant to save. */
  get reads(): number {
    return this.requests.filter((r) => r.method === 'GET' && r.url.pathname.endsWith('/secrets')).length;
  }
}

/** Only to let I/O in flight get somewhere (a few ms): time to pass is moved on a FakeTime. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port of this host that nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

/** Resolves to the XtraError a promise rejects with; fails the test when it resolves or rejects with anything else. */
async function xtraError(promise: Promise<unknown>): Promise<XtraError> {
  const error = await promise.then(
    (value) => assert.fail(`expected an XtraError, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof XtraError, `expected an XtraError, got ${String(error)}`);
  return error;
}

/** Runs `body` with process.env as it is, and puts every variable back afterwards. */
async function withEnv(body: () => Promise<void> | void): Promise<void> {
  const saved = { ...process.env };
  try {
    await body();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** The vault API of a running server, called directly (not through the client under test). */
function vault(server: TestServer) {
  const token = server.bootstrap!.pat;
  return {
    async createProject(name: string): Promise<string> {
      const response = await server.call('/api/project', { token, body: { name } });
      assert.equal(response.status, 201, response.text);
      return response.body.id;
    },
    async write(projectId: string, env: string, secrets: Record<string, string>, branch?: string): Promise<void> {
      const response = await server.call(`/api/projects/${projectId}/envs/${env}/secrets`, {
        token,
        body: { secrets, ...(branch ? { branch } : {}) },
      });
      assert.equal(response.status, 200, response.text);
    },
    async read(projectId: string, env: string, branch = 'main'): Promise<Record<string, string>> {
      const response = await server.call(
        `/api/projects/${projectId}/envs/${env}/secrets?branch=${encodeURIComponent(branch)}`,
        { token },
      );
      assert.equal(response.status, 200, response.text);
      return response.body;
    },
  };
}

describe('XtraClient', () => {
  let server: TestServer;
  let projectId: string;
  const clientFor = (options: WithTime<XtraClientOptions> = {}) =>
    new XtraClient({ token: server.bootstrap!.pat, apiUrl: `${server.url}/api`, projectId, ...options });

  before(async () => {
    server = await startTestServer();
    projectId = await vault(server).createProject('SDK tests');
    await vault(server).write(projectId, 'development', { DATABASE_URL: 'postgres://db/dev', API_KEY: 'key-1' });
  });
  after(() => server?.close());

  it('serves a read from the cache within cacheTtl: the same frozen object, without a request', async () => {
    const transport = new Transport();
    const client = clientFor({ fetch: transport.fetch });
    const first = await client.getSecrets('development');
    assert.deepEqual({ ...first }, { DATABASE_URL: 'postgres://db/dev', API_KEY: 'key-1' });
    assert.ok(Object.isFrozen(first));

    await vault(server).write(projectId, 'development', { API_KEY: 'key-2' });
    const second = await client.getSecrets('development');
    assert.equal(second, first, 'the cached object itself, not a copy');
    assert.equal(second.API_KEY, 'key-1', 'the old value: the server was not asked');
    assert.equal(await client.getSecrets('dev'), first, 'dev is development');
    assert.equal(transport.reads, 1);

    const fresh = await client.getSecrets('development', { noCache: true });
    assert.equal(fresh.API_KEY, 'key-2', 'noCache asks the server');
    assert.equal(await client.getSecrets('development'), fresh, 'and stores what it answered');
    assert.equal(transport.reads, 2);

    await vault(server).write(projectId, 'development', { API_KEY: 'key-3' });
    client.clearCache();
    assert.equal((await client.getSecrets('development')).API_KEY, 'key-3', 'clearCache empties the cache');
    assert.equal(transport.reads, 3);

    const metadata = await client.getSecretsWithMetadata('development');
    assert.equal(metadata.stale, false);
    assert.equal(metadata.fromCache, true);
    assert.ok(metadata.fetchedAt instanceof Date && Date.now() - metadata.fetchedAt.getTime() < 10_000);
  });

  it('asks the server again once cacheTtl (seconds) has passed', async () => {
    const transport = new Transport();
    const time = new FakeTime();
    const client = clientFor({ fetch: transport.fetch, cacheTtl: 1, [TIME]: time });
    const before = await client.getSecrets('development');
    await vault(server).write(projectId, 'development', { API_KEY: 'key-ttl' });
    time.advance(999);
    assert.equal(await client.getSecrets('development'), before, 'still within the TTL');
    assert.equal((await client.getSecretsWithMetadata('development')).fromCache, true);
    assert.equal(transport.reads, 1);
    time.advance(1);
    assert.equal((await client.getSecrets('development')).API_KEY, 'key-ttl', 'a second after the answer');
    assert.equal(transport.reads, 2);
  });

  it('with cache: false asks the server every time; concurrent cached misses share one request', async () => {
    const uncached = new Transport();
    const client = clientFor({ fetch: uncached.fetch, cache: false });
    await client.getSecrets('development');
    const again = await client.getSecretsWithMetadata('development');
    assert.equal(again.fromCache, false);
    assert.equal(uncached.reads, 2);

    const shared = new Transport();
    const cached = clientFor({ fetch: shared.fetch });
    const results = await Promise.all(Array.from({ length: 10 }, () => cached.getSecrets('development')));
    assert.ok(results.every((result) => result === results[0]));
    assert.equal(shared.reads, 1, 'ten concurrent calls, one request');
  });

  it('does not cache the answer of a read that a write overtook', async () => {
    await vault(server).write(projectId, 'race', { RACE: 'old' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    // The first read gets the server's answer, then is held back until the write is done.
    const slowFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!held && (init?.method ?? 'GET') === 'GET') {
        held = true;
        await gate;
      }
      return response;
    };
    const client = clientFor({ fetch: slowFetch });
    const inFlight = client.getSecrets('race');
    while (!held) await sleep(5);
    await client.setSecrets({ RACE: 'new' }, 'race');
    const readAfterWrite = client.getSecrets('race');
    release();
    assert.equal((await inFlight).RACE, 'old', 'the answer it had');
    assert.equal((await readAfterWrite).RACE, 'new', 'a read after the write does not join the one before it');
    assert.equal((await client.getSecrets('race')).RACE, 'new', 'not cached over the write');
  });

  it('sends the token, Accept and X-Pavise-Client, and encodes every path segment', async () => {
    const transport = new Transport();
    const client = clientFor({ fetch: transport.fetch });
    await client.getSecrets('development');
    const [request] = transport.requests;
    assert.equal(request!.headers.get('authorization'), `Bearer ${server.bootstrap!.pat}`);
    assert.equal(request!.headers.get('accept'), 'application/json');
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(XTRA_SDK_VERSION, version, 'XTRA_SDK_VERSION follows package.json');
    assert.equal(request!.headers.get('x-pavise-client'), `sdk-ts/${version}`);
    assert.equal(request!.url.pathname, `/api/projects/${projectId}/envs/development/secrets`);

    // Unencoded, "a/b" would be two segments and hit no route (a Fastify 404); encoded, it reaches
    // the vault, which rejects the name.
    const error = await xtraError(client.getSecrets('a/b'));
    assert.equal(transport.requests.at(-1)!.url.pathname, `/api/projects/${projectId}/envs/a%2Fb/secrets`);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'bad-request');
    assert.match(error.message, /is not an environment name/);
  });

  it('injectSecrets fills only unset variables, or all with override, and returns the names it set', async () => {
    await withEnv(async () => {
      const client = clientFor();
      await vault(server).write(projectId, 'staging', { INJECT_A: 'from-vault-a', INJECT_B: 'from-vault-b' });
      delete process.env.INJECT_B;
      process.env.INJECT_A = 'local';
      assert.deepEqual(await client.injectSecrets('staging'), ['INJECT_B']);
      assert.equal(process.env.INJECT_A, 'local', 'a set variable is kept');
      assert.equal(process.env.INJECT_B, 'from-vault-b');

      assert.deepEqual((await client.injectSecrets('staging', { override: true })).sort(), ['INJECT_A', 'INJECT_B']);
      assert.equal(process.env.INJECT_A, 'from-vault-a');
    });
    assert.equal(process.env.INJECT_A, undefined, 'the test put process.env back');
  });

  it('reads a branch as main overlaid with its overrides, and a write to main shows through it', async () => {
    const transport = new Transport();
    const client = clientFor({ fetch: transport.fetch });
    await vault(server).write(projectId, 'production', { DATABASE_URL: 'postgres://db/prod', FEATURE: 'off' });
    const branch = await client.branches.createBranch(projectId, { name: 'feature/new-ui', description: 'the new UI' });
    assert.equal(branch.name, 'feature/new-ui');
    assert.equal(branch.projectId, projectId);
    assert.equal(branch.description, 'the new UI');

    const written = await client.setSecrets({ FEATURE: 'on' }, 'production', { branch: 'feature/new-ui' });
    assert.equal(written.count, 1);
    assert.equal(typeof written.versions.FEATURE, 'number');
    assert.deepEqual(
      { ...(await client.getSecrets('production', { branch: 'feature/new-ui' })) },
      { DATABASE_URL: 'postgres://db/prod', FEATURE: 'on' },
    );
    assert.deepEqual(
      { ...(await client.getSecrets('production')) },
      { DATABASE_URL: 'postgres://db/prod', FEATURE: 'off' },
    );
    assert.ok(transport.requests.some((r) => r.url.search === '?branch=feature%2Fnew-ui'));

    // A write to the branch drops the branch's cached read, and only that one.
    const before = transport.reads;
    await client.setSecrets({ FEATURE: 'on-2' }, 'production', { branch: 'feature/new-ui' });
    assert.equal((await client.getSecrets('production', { branch: 'feature/new-ui' })).FEATURE, 'on-2');
    assert.equal((await client.getSecrets('production')).FEATURE, 'off');
    assert.equal(transport.reads, before + 1, 'main was still cached');

    // Both reads are cached now; a write to main must drop the branch's entry too.
    await client.setSecrets({ DATABASE_URL: 'postgres://db/prod-2' }, 'production');
    const reads = transport.reads;
    assert.equal(
      (await client.getSecrets('production', { branch: 'feature/new-ui' })).DATABASE_URL,
      'postgres://db/prod-2',
    );
    assert.equal((await client.getSecrets('production')).DATABASE_URL, 'postgres://db/prod-2');
    assert.equal(transport.reads, reads + 2);

    // A branch tied to one environment does not exist in another.
    await client.branches.createBranch(projectId, { name: 'hotfix/api-v2', baseEnv: 'prod' });
    const elsewhere = await xtraError(client.getSecrets('development', { branch: 'hotfix/api-v2' }));
    assert.equal(elsewhere.code, 'not-found');
    assert.equal((await client.getSecrets('production', { branch: 'hotfix/api-v2' })).FEATURE, 'off');

    const duplicate = await xtraError(client.branches.createBranch(projectId, { name: 'feature/new-ui' }));
    assert.equal(duplicate.code, 'conflict');
    assert.equal(duplicate.status, 409);
  });

  it('projects.getProject describes the project, by default the client’s', async () => {
    const client = clientFor();
    const project = await client.projects.getProject();
    assert.equal(project.id, projectId);
    assert.equal(project.name, 'SDK tests');
    assert.equal(project.role, 'owner');
    assert.ok(['development', 'staging', 'production'].every((env) => project.environments.includes(env)));
    assert.ok(project.branches.includes('main'));
    assert.deepEqual(await client.projects.getProject(projectId), project);
  });

  it('setSecrets checks expected versions: a mismatch is a conflict and writes nothing', async () => {
    const transport = new Transport();
    const client = clientFor({ fetch: transport.fetch });
    const created = await client.setSecrets({ CAS_KEY: 'v1' }, 'development', { expectedVersions: { CAS_KEY: 0 } });
    assert.deepEqual(created, { count: 1, versions: { CAS_KEY: 1 } });
    assert.equal((await client.getSecrets('development')).CAS_KEY, 'v1');

    const error = await xtraError(
      client.setSecrets({ CAS_OTHER: 'x', CAS_KEY: 'v2' }, 'development', { expectedVersions: { CAS_KEY: 0 } }),
    );
    assert.equal(error.code, 'conflict');
    assert.equal(error.status, 409);
    assert.deepEqual(error.conflicts, [{ key: 'CAS_KEY', expected: 0, actual: 1 }]);
    assert.match(error.message, /CAS_KEY: expected version 0, found 1/);
    assert.match(error.message, /Nothing was written/);
    const stored = await vault(server).read(projectId, 'development');
    assert.equal(stored.CAS_KEY, 'v1');
    assert.equal(stored.CAS_OTHER, undefined, 'no key of the refused write was written');

    const updated = await client.setSecrets({ CAS_KEY: 'v2' }, 'development', { expectedVersions: { CAS_KEY: '1' } });
    assert.equal(updated.versions.CAS_KEY, 2);
    assert.equal((await client.getSecrets('development')).CAS_KEY, 'v2', 'the write dropped the cached read');
    assert.equal(transport.reads, 2);
  });

  it('every failure is an XtraError that says what happened and what to do', async () => {
    const badToken = await xtraError(clientFor({ token: 'pavise_pat_not-a-real-token' }).getSecrets('development'));
    assert.equal(badToken.status, 401);
    assert.equal(badToken.code, 'unauthorized');
    assert.match(badToken.message, /invalid, expired or revoked/);
    assert.match(badToken.message, /pavise pat create --email/);

    const unknownProject = await xtraError(
      clientFor({ projectId: '00000000-0000-4000-8000-000000000000' }).getSecrets('development'),
    );
    assert.equal(unknownProject.status, 404);
    assert.equal(unknownProject.code, 'not-found');
    assert.match(unknownProject.message, /Project 00000000-0000-4000-8000-000000000000 not found/);
    const missing = await xtraError(clientFor().projects.getProject('00000000-0000-4000-8000-000000000000'));
    assert.equal(missing.code, 'not-found');

    const unknownBranch = await xtraError(clientFor().getSecrets('development', { branch: 'nope' }));
    assert.equal(unknownBranch.code, 'not-found');
    assert.match(unknownBranch.message, /Branch 'nope' not found/);

    const wrongUrl = await xtraError(clientFor({ apiUrl: server.url }).getSecrets('development'));
    assert.equal(wrongUrl.code, 'not-found');
    assert.match(wrongUrl.message, /Is apiUrl \(http:\/\/127\.0\.0\.1:\d+\) right\? It ends in \/api/);

    // Nothing listens there: every attempt is refused.
    const transport = new Transport();
    const time = new FakeTime();
    const downUrl = `http://127.0.0.1:${await closedPort()}/api`;
    const down = await xtraError(
      clientFor({ apiUrl: downUrl, fetch: transport.fetch, maxRetries: 1, [TIME]: time }).getSecrets('development'),
    );
    assert.equal(down.code, 'network-error');
    assert.equal(down.status, undefined);
    assert.equal(
      down.message,
      `reading the development secrets of project ${projectId} (branch main) failed: cannot reach ${downUrl}: is the Pavise server running? (ECONNREFUSED; 2 attempts) Start it with \`pavise serve\`, or point apiUrl / XTRA_API_URL at it.`,
    );
    assert.equal(transport.requests.length, 2, 'one retry');
    assert.ok(time.sleeps.length === 1 && time.sleeps[0]! <= 200, `after a backoff: ${time.sleeps}`);
    const write = await xtraError(clientFor({ apiUrl: downUrl, maxRetries: 0 }).setSecrets({ A: '1' }, 'development'));
    assert.equal(write.code, 'network-error');
    assert.doesNotMatch(write.message, /may have happened/, 'a refused connection certainly did not write');

    const noProject = await xtraError(clientFor({ projectId: '' }).getSecrets('development'));
    assert.equal(noProject.code, 'invalid-configuration');
    assert.match(noProject.message, /XTRA_PROJECT_ID/);
    assert.equal((await xtraError(clientFor().getSecrets(''))).code, 'invalid-argument');
  });

  it('reads with a read-only service-account key, and a write with it is forbidden', async () => {
    const token = server.bootstrap!.pat;
    const account = await server.call(`/api/projects/${projectId}/service-accounts`, {
      token,
      body: { name: 'ci', permissions: ['read:secrets'] },
    });
    assert.equal(account.status, 201, account.text);
    const key = await server.call(`/api/projects/${projectId}/service-accounts/${account.body.id}/keys`, {
      token,
      body: {},
    });
    assert.equal(key.status, 201, key.text);
    const client = clientFor({ token: key.body.key });
    assert.equal((await client.getSecrets('development')).DATABASE_URL, 'postgres://db/dev');
    const error = await xtraError(client.setSecrets({ DATABASE_URL: 'postgres://evil' }, 'development'));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'forbidden');
    assert.match(error.message, /may not do this/);
    assert.equal((await vault(server).read(projectId, 'development')).DATABASE_URL, 'postgres://db/dev');
  });

  it('takes its settings from XTRA_TOKEN, XTRA_PROJECT_ID and XTRA_API_URL, and says what is missing', async () => {
    await withEnv(async () => {
      for (const name of Object.keys(process.env)) if (name.startsWith('XTRA_')) delete process.env[name];
      assert.throws(
        () => new XtraClient(),
        (error: unknown) => {
          assert.ok(error instanceof XtraError);
          assert.equal(error.code, 'invalid-configuration');
          assert.match(error.message, /pass new XtraClient\(\{ token \}\) or set XTRA_TOKEN/);
          assert.match(error.message, /pavise pat create --email/);
          return true;
        },
      );
      assert.equal(
        new XtraClient({ token: 't' }).apiUrl,
        'http://127.0.0.1:8080/api',
        'a server on this machine by default',
      );
      assert.throws(
        () => new XtraClient({ token: 't', apiUrl: 'ftp://example' }),
        /apiUrl \(or XTRA_API_URL\) must be an http\(s\) URL/,
      );
      assert.throws(() => new XtraClient({ token: 't', cacheTtl: -1 }), /cacheTtl \(seconds\) must be a number ≥ 0/);
      assert.throws(() => new XtraClient({ token: 't', maxRetries: 1.5 }), /maxRetries must be an integer/);

      Object.assign(process.env, {
        XTRA_TOKEN: server.bootstrap!.pat,
        XTRA_PROJECT_ID: projectId,
        XTRA_API_URL: `${server.url}/api/`,
      });
      const client = new XtraClient();
      assert.equal(client.apiUrl, `${server.url}/api`);
      assert.equal(client.projectId, projectId);
      assert.equal((await client.getSecrets('development')).DATABASE_URL, 'postgres://db/dev');
    });
  });

  it('does not serve a stale value after a 4xx: a revoked token fails', async () => {
    const session = await server.signIn();
    const created = await server.call('/v1/pat', {
      token: session.accessToken,
      body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    assert.ok(created.status < 300, created.text);
    const stale: StaleInfo[] = [];
    const time = new FakeTime();
    const client = clientFor({
      token: created.body.personalAccessToken,
      cacheTtl: 0.2,
      onStale: (info) => stale.push(info),
      [TIME]: time,
    });
    await client.getSecrets('development');
    await server.call(`/v1/pat/${created.body.id}`, { method: 'DELETE', token: session.accessToken });
    time.advance(250);
    const error = await xtraError(client.getSecrets('development'));
    assert.equal(error.code, 'unauthorized');
    assert.equal(stale.length, 0);
  });
});

describe('XtraClient against a rate-limited server that goes down', () => {
  let server: TestServer;
  let projectId: string;
  let closed = false;
  /** The server's time, and the clients' (a FakeTime on it): windows pass when the test moves it. */
  const clock = new TestClock();
  const clientFor = (options: WithTime<XtraClientOptions> = {}) =>
    new XtraClient({ token: server.bootstrap!.pat, apiUrl: `${server.url}/api`, projectId, ...options });

  before(async () => {
    // Two vault requests a second per caller.
    server = await startTestServer({ PAVISE_RATE_LIMIT_VAULT: '2/1' }, undefined, { clock });
    projectId = await vault(server).createProject('Rate limited');
    await vault(server).write(projectId, 'production', { TOKEN: 'one' });
  });
  after(async () => {
    if (!closed) await server.close();
  });

  it('waits as Retry-After says on 429, then succeeds', async () => {
    const transport = new Transport(clock.now.bind(clock));
    const time = new FakeTime(clock);
    const client = clientFor({ fetch: transport.fetch, maxRetries: 3, [TIME]: time });
    for (let i = 0; i < 6 && !transport.requests.some((r) => r.status === 429); i++) {
      assert.equal((await client.getSecrets('production', { noCache: true })).TOKEN, 'one');
    }
    const refused = transport.requests.findIndex((r) => r.status === 429);
    assert.ok(refused >= 0, 'the server refused a request');
    const { retryAfter, at } = transport.requests[refused]!;
    assert.match(retryAfter ?? '', /^\d+$/, 'with Retry-After');
    const next = transport.requests[refused + 1];
    assert.ok(next, 'and the client tried again');
    assert.ok(next.at - at >= Number(retryAfter) * 1000, `after ${next.at - at} ms, Retry-After ${retryAfter} s`);
    assert.deepEqual(time.sleeps, [Number(retryAfter) * 1000], 'the one wait, as long as Retry-After asked');
  });

  it('serves the last good value, flagged stale, when rate limited past its retries', async () => {
    const stale: StaleInfo[] = [];
    const transport = new Transport();
    const client = clientFor({
      fetch: transport.fetch,
      maxRetries: 0,
      cacheTtl: 0,
      onStale: (info) => stale.push(info),
    });
    clock.advance(2_000); // a fresh allowance: the server counts over a sliding window of two
    let good = await client.getSecretsWithMetadata('production');
    let result = good;
    for (let i = 0; i < 6 && !result.stale; i++) {
      if (!result.stale) good = result;
      result = await client.getSecretsWithMetadata('production');
    }
    assert.equal(result.stale, true);
    assert.equal(good.secrets.TOKEN, 'one');
    assert.equal(result.secrets, good.secrets, 'the last good value');
    assert.deepEqual(result.fetchedAt, good.fetchedAt);
    assert.equal(result.error?.code, 'rate-limited');
    assert.match(result.error!.message, /HTTP 429/);
    assert.equal(stale.length, 1);
    assert.deepEqual(
      { ...stale[0], error: undefined },
      { projectId, env: 'production', branch: 'main', fetchedAt: result.fetchedAt, error: undefined },
    );
  });

  it('serves the last good value, flagged stale, when the server is down; without one it fails', async () => {
    clock.advance(2_000); // a fresh allowance
    const stale: StaleInfo[] = [];
    const time = new FakeTime(clock);
    const client = clientFor({ cacheTtl: 0.1, maxRetries: 1, onStale: (info) => stale.push(info), [TIME]: time });
    const good = await client.getSecrets('production');
    const answeredAt = clock.now();
    const staleOff = clientFor({ cacheTtl: 0.1, maxRetries: 0, staleOnError: false, [TIME]: time });
    await staleOff.getSecrets('production');
    await server.close();
    closed = true;
    time.advance(150); // past both clients' cacheTtl

    assert.equal(await client.getSecrets('production'), good, 'getSecrets returns the last good value');
    const metadata = await client.getSecretsWithMetadata('production');
    assert.equal(metadata.stale, true);
    assert.equal(metadata.fromCache, true);
    assert.equal(metadata.secrets, good);
    assert.equal(metadata.error?.code, 'network-error');
    assert.equal(stale.length, 2, 'onStale heard of both');
    assert.equal(stale[0]!.error.code, 'network-error');
    assert.equal(stale[0]!.fetchedAt.getTime(), answeredAt, 'when the server answered');
    assert.ok(answeredAt <= clock.now() - 150);

    const error = await xtraError(clientFor({ maxRetries: 0 }).getSecrets('production'));
    assert.equal(error.code, 'network-error', 'no entry: the failure itself');
    assert.match(error.message, /is the Pavise server running\?/);
    assert.equal((await xtraError(staleOff.getSecrets('production'))).code, 'network-error', 'staleOnError: false');
    client.clearCache();
    assert.equal(
      (await xtraError(client.getSecrets('production'))).code,
      'network-error',
      'clearCache drops the stale fallback',
    );
  });
});
