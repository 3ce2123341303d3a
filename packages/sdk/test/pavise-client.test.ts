import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import { PaviseClient, type PaviseClientOptions, PaviseError, type TypedDocumentNode } from '../src/index.js';
import { TIME, type WithTime } from '../src/time.js';
import { FakeTime } from './helpers/fake-time.js';
import { startTestServer, TestClock, type TestServer } from './helpers/pavise-server.js';

/** Records every request that reaches the transport, and lets a test fail chosen ones. */
class Transport {
  readonly requests: { url: string; body: string; authorization: string | null }[] = [];
  /** Called before sending; may answer instead of the server (a proxy's 429/503) or throw. */
  intercept: ((request: Request, index: number) => Promise<Response | undefined> | Response | undefined) | undefined;

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.clone().text();
    const index =
      this.requests.push({ url: request.url, body, authorization: request.headers.get('authorization') }) - 1;
    const answer = await this.intercept?.(request, index);
    return answer ?? fetch(request);
  };

  count(path: string): number {
    return this.requests.filter((r) => new URL(r.url).pathname === path).length;
  }
}

const CONTROLLERS = '{ dataControllers { id title } }';

describe('PaviseClient', () => {
  let server: TestServer;
  /** The server's time: it moves only when a test moves it (or a client on a FakeTime of it waits). */
  const clock = new TestClock();
  const clientFor = (transport: Transport, options: WithTime<PaviseClientOptions> = {}) =>
    new PaviseClient({
      personalAccessToken: server.bootstrap!.pat,
      authUrl: server.url,
      apiUrl: `${server.url}/v1/graphql`,
      fetch: transport.fetch,
      ...options,
    });

  before(async () => {
    server = await startTestServer({ PAVISE_ACCESS_TOKEN_EXPIRES_IN: '3' }, undefined, { clock });
  });
  after(() => server.close());

  it('keeps 10 concurrent queries at a time succeeding for 10 s of 3-second tokens, refreshing once per expiry', async () => {
    const transport = new Transport();
    // Client and server on one time, moved 400 ms after each round of queries.
    const time = new FakeTime(clock);
    const client = clientFor(transport, { [TIME]: time });
    const STEP_MS = 400;
    const deadline = clock.now() + 10_000;
    let queries = 0;
    while (clock.now() < deadline) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => client.query<{ dataControllers: { title: string }[] }>(CONTROLLERS)),
      );
      for (const result of results)
        assert.deepEqual(
          result.dataControllers.map((c) => c.title),
          ['My Organisation'],
        );
      queries += results.length;
      time.advance(STEP_MS);
    }
    const refreshes = transport.requests.filter((r) => r.url.endsWith('/v1/token'));
    const tokensUsed = new Set(
      transport.requests.filter((r) => r.url.endsWith('/v1/graphql')).map((r) => r.authorization),
    );
    assert.equal(transport.count('/v1/signin/pat'), 1, 'one sign-in');
    assert.equal(transport.count('/v1/graphql'), queries, 'no query needed a second attempt (no 401)');
    // Tokens live 3 s from the server's issued-at second; the client counts 2 s and renews 0.4 s
    // early, 1.6 s after each answer: every fourth round (4 × 400 ms), so at 1.6, 3.2, 4.8, 6.4,
    // 8 and 9.6 s: 6 renewals, each exactly once, and no request with an expired token.
    assert.equal(refreshes.length, 6, `${refreshes.length} refreshes`);
    assert.deepEqual(time.sleeps, [], 'no retry waited');
    assert.equal(new Set(refreshes.map((r) => r.body)).size, refreshes.length, 'no refresh token was sent twice');
    assert.equal(tokensUsed.size, refreshes.length + 1, 'one access token per sign-in or refresh, each used');
  });

  it('signs in with the PAT again when the refresh token is refused', async () => {
    const transport = new Transport();
    const time = new FakeTime(clock);
    const client = clientFor(transport, { [TIME]: time });
    await client.query(CONTROLLERS);
    // Every session of every user ends (as an administrator's revocation would).
    await server.pavise.db.query('DELETE FROM auth.refresh_tokens');
    time.advance(1_599); // not yet at the renewal point of a 3-second token (1.6 s)
    await client.query(CONTROLLERS);
    assert.equal(transport.count('/v1/token'), 0, 'the token is still used as it is');
    time.advance(501); // past it (and past the token's exp on the server)
    await client.query(CONTROLLERS);
    assert.deepEqual(
      transport.requests.map((r) => new URL(r.url).pathname),
      ['/v1/signin/pat', '/v1/graphql', '/v1/graphql', '/v1/token', '/v1/signin/pat', '/v1/graphql'],
    );
  });

  it('renews the token and resends once when the server answers 401', async () => {
    const transport = new Transport();
    const client = clientFor(transport);
    await client.query(CONTROLLERS);
    // The server really refuses this one: its token is corrupted on the way.
    transport.intercept = (request, index) => {
      if (index !== 2) return undefined;
      const headers = new Headers(request.headers);
      headers.set('authorization', `${headers.get('authorization')!.slice(0, -4)}AAAA`);
      return fetch(new Request(request, { headers }));
    };
    const data = await client.query<{ dataControllers: unknown[] }>(CONTROLLERS);
    assert.equal(data.dataControllers.length, 1);
    assert.deepEqual(
      transport.requests.map((r) => new URL(r.url).pathname),
      ['/v1/signin/pat', '/v1/graphql', '/v1/graphql', '/v1/token', '/v1/graphql'],
    );
  });

  it('gives up with invalid-jwt when the renewed token is refused as well', async () => {
    const transport = new Transport();
    const client = clientFor(transport);
    transport.intercept = (request) => {
      if (!request.url.endsWith('/v1/graphql')) return undefined;
      const headers = new Headers(request.headers);
      headers.set('authorization', 'Bearer not.a.jwt');
      return fetch(new Request(request, { headers }));
    };
    const error = await client.query(CONTROLLERS).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PaviseError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid-jwt');
    assert.equal(transport.count('/v1/graphql'), 2, 'one resend, no more');
  });

  it('waits as Retry-After says on 429 and 503, and backs off without it', async () => {
    for (const [status, retryAfter] of [
      [429, '1'],
      [429, null],
      [503, '1'],
      [503, null],
    ] as const) {
      const transport = new Transport();
      const time = new FakeTime(clock);
      const client = clientFor(transport, { [TIME]: time });
      await client.query(CONTROLLERS);
      let refusals = 0;
      transport.intercept = (request) => {
        if (!request.url.endsWith('/v1/graphql') || refusals >= 2) return undefined;
        refusals++;
        return new Response('{"error":"busy"}', { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} });
      };
      const data = await client.query<{ dataControllers: unknown[] }>(CONTROLLERS);
      assert.equal(data.dataControllers.length, 1, `${status} then success`);
      assert.equal(transport.count('/v1/graphql'), 4, `${status}: the first query; two refusals, then the answer`);
      assert.equal(time.sleeps.length, 2, `${status}: a wait before each retry`);
      if (retryAfter) assert.deepEqual(time.sleeps, [1_000, 1_000], `${status}: waited Retry-After (1 s) twice`);
      else
        assert.ok(
          time.sleeps[0]! <= 200 && time.sleeps[1]! <= 400,
          `${status}: backed off briefly without Retry-After: ${time.sleeps}`,
        );
    }
  });

  it('sends a mutation again after 429 and 503 (it did not run)', async () => {
    const transport = new Transport();
    const client = clientFor(transport);
    let refusals = 0;
    transport.intercept = (request) =>
      request.url.endsWith('/v1/graphql') && refusals++ < 2
        ? new Response('', { status: refusals === 1 ? 429 : 503, headers: { 'retry-after': '0' } })
        : undefined;
    const data = await client.query<{ insertDataController: { title: string } }>(
      'mutation { insertDataController(object: {title: "Retried Corp"}) { title } }',
    );
    assert.equal(data.insertDataController.title, 'Retried Corp');
    assert.equal(await countControllers('Retried Corp'), 1);
  });

  it('never repeats a mutation after a failure that leaves it unknown whether it ran', async () => {
    const transport = new Transport();
    const client = clientFor(transport);
    // The request reaches the server and runs; the answer is lost on the way back.
    transport.intercept = async (request) => {
      if (!request.url.endsWith('/v1/graphql')) return undefined;
      await fetch(request);
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    };
    const error = await client.query('mutation { insertDataController(object: {title: "Once Corp"}) { id } }').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PaviseError);
    assert.equal(error.code, 'network-error');
    assert.equal(transport.count('/v1/graphql'), 1, 'sent once');
    assert.equal(await countControllers('Once Corp'), 1, 'and ran once');

    // A query is safe to repeat: the same failure is retried and the answer arrives.
    let lost = 0;
    transport.intercept = async (request) => {
      if (!request.url.endsWith('/v1/graphql') || lost++ > 0) return undefined;
      await fetch(request);
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    };
    assert.ok((await client.query<{ dataControllers: unknown[] }>(CONTROLLERS)).dataControllers.length > 0);
    assert.equal(lost, 2, 'the lost answer, then the retried one');
  });

  it('retries network failures with backoff up to maxRetries, then fails with network-error', async () => {
    const transport = new Transport();
    const time = new FakeTime();
    // Nothing listens on port 9 of this host: every attempt is refused.
    const options: WithTime<PaviseClientOptions> = {
      personalAccessToken: server.bootstrap!.pat,
      authUrl: 'http://127.0.0.1:9',
      apiUrl: 'http://127.0.0.1:9/v1/graphql',
      fetch: transport.fetch,
      maxRetries: 2,
      [TIME]: time,
    };
    const client = new PaviseClient(options);
    const error = await client.query(CONTROLLERS).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PaviseError);
    assert.equal(error.code, 'network-error');
    assert.match(error.message, /could not reach the server/);
    assert.equal(transport.requests.length, 3, 'the sign-in, tried three times');
    assert.equal(time.sleeps.length, 2, 'with a wait before each retry');
    assert.ok(time.sleeps[0]! <= 200 && time.sleeps[1]! <= 400, `full-jitter backoff: ${time.sleeps}`);
  });

  it('client.fetch authenticates any request, renews on 401 and resends the same bytes', async () => {
    const transport = new Transport();
    const client = clientFor(transport);
    let corrupted = false;
    transport.intercept = (request) => {
      if (!request.url.endsWith('/v1/graphql') || corrupted) return undefined;
      corrupted = true;
      const headers = new Headers(request.headers);
      headers.set('authorization', 'Bearer not.a.jwt');
      return fetch(new Request(request, { headers }));
    };
    // Shaped as graphql-request calls it: a URL object, a Headers instance, extra init keys.
    const body = new TextEncoder().encode(JSON.stringify({ query: '{ dataControllers { title } }' }));
    const response = await client.fetch(new URL(client.apiUrl), {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json' }),
      body,
      errorPolicy: 'none',
    } as RequestInit);
    assert.equal(response.status, 200);
    const { data } = (await response.json()) as { data: { dataControllers: { title: string }[] } };
    assert.ok(data.dataControllers.some((c) => c.title === 'My Organisation'));
    const sent = transport.requests.filter((r) => r.url.endsWith('/v1/graphql'));
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.body, sent[0]!.body, 'the resend carries the same body');
  });

  it('takes typed document nodes, with or without their source text', async () => {
    const client = clientFor(new Transport());
    type Result = { dataControllers: { title: string }[] };
    for (const noLocation of [false, true]) {
      // graphql-codegen's precompiled documents carry no source text: the client prints them.
      const document = parse('query Titles { dataControllers { title } }', {
        noLocation,
      }) as unknown as TypedDocumentNode<Result, Record<string, never>>;
      const data = await client.query(document);
      assert.ok(
        data.dataControllers.some((c) => c.title === 'My Organisation'),
        `noLocation: ${noLocation}`,
      );
    }
  });

  it('surfaces GraphQL errors as PaviseError with the Hasura code, path and status', async () => {
    const client = clientFor(new Transport());
    const error = await client.query('{ dataControllers { nope } }').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PaviseError);
    assert.equal(error.code, 'validation-failed');
    assert.equal(error.message, "field 'nope' not found in type: 'dataControllers'");
    assert.equal(error.path, '$.selectionSet.dataControllers.selectionSet.nope');
    assert.equal(error.status, 200);
    assert.equal(error.errors.length, 1);
  });

  it('fails sign-in with the auth service’s code and a hint, without retrying', async () => {
    const session = await server.signIn();
    const created = await server.call('/v1/pat', {
      token: session.accessToken,
      body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    await server.call(`/v1/pat/${created.body.id}`, { method: 'DELETE', token: session.accessToken });
    for (const [pat, status, code, message] of [
      [created.body.personalAccessToken, 401, 'invalid-pat', /check the personal access token/],
      [
        // The last character changed (to one it is not), so the checksum no longer matches.
        `${server.bootstrap!.pat.slice(0, -1)}${server.bootstrap!.pat.endsWith('x') ? 'y' : 'x'}`,
        400,
        'invalid-request',
        /malformed: check that it was copied completely/,
      ],
    ] as const) {
      const transport = new Transport();
      const error = await clientFor(transport, { personalAccessToken: pat })
        .query(CONTROLLERS)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof PaviseError);
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.match(error.message, message);
      assert.equal(transport.requests.length, 1);
    }
  });

  it('sends the role asked for, per client and per request', async () => {
    const client = clientFor(new Transport(), { role: 'me' });
    const refused = await client.query(CONTROLLERS).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(
      refused instanceof PaviseError && refused.code === 'validation-failed',
      'the me role has no dataControllers',
    );
    const data = await client.query<{ dataControllers: unknown[] }>(CONTROLLERS, undefined, { role: 'user' });
    assert.ok(data.dataControllers.length > 0);
  });

  it('takes its settings from the environment the seeds use, and says what is missing', () => {
    const saved = { ...process.env };
    try {
      for (const name of Object.keys(process.env)) if (/^(PAVISE|DXTRA)_/.test(name)) delete process.env[name];
      assert.throws(
        () => new PaviseClient(),
        (error: unknown) => {
          assert.ok(error instanceof PaviseError);
          assert.equal(error.code, 'invalid-configuration');
          assert.match(error.message, /PAVISE_PAT \/ DXTRA_API_KEY/);
          assert.match(error.message, /PAVISE_AUTH_URL \/ DXTRA_AUTH_URL/);
          assert.match(error.message, /PAVISE_API_URL \/ DXTRA_API_URL/);
          return true;
        },
      );
      Object.assign(process.env, {
        DXTRA_API_KEY: server.bootstrap!.pat,
        DXTRA_AUTH_URL: `${server.url}/v1/signin/pat`,
        DXTRA_API_URL: `${server.url}/v1/graphql`,
      });
      assert.equal(new PaviseClient().apiUrl, `${server.url}/v1/graphql`);
      assert.throws(() => new PaviseClient({ apiUrl: 'not a url' }), /the GraphQL URL must be an http\(s\) URL/);
      assert.throws(() => new PaviseClient({ maxRetries: -1 }), /maxRetries must be a non-negative integer/);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('accepts the full sign-in URL of the seeds as the auth URL', async () => {
    const transport = new Transport();
    const client = clientFor(transport, { authUrl: `${server.url}/v1/signin/pat` });
    await client.query(CONTROLLERS);
    assert.equal(transport.count('/v1/signin/pat'), 1);
  });

  it('aborts when the caller’s signal fires', async () => {
    const client = clientFor(new Transport());
    const controller = new AbortController();
    controller.abort();
    const error = await client.query(CONTROLLERS, undefined, { signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PaviseError);
    assert.equal(error.code, 'aborted');
  });

  const countControllers = async (title: string) =>
    (
      await server.pavise.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM public.data_controllers WHERE title = $1',
        [title],
      )
    )[0]!.n;
});
