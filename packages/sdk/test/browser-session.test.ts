import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BrowserSession, type BrowserSessionOptions, PaviseClient, PaviseError, type User } from '../src/index.js';
import { TIME, type WithTime } from '../src/time.js';
import { FakeTime } from './helpers/fake-time.js';
import { startTestServer, TestClock, type TestServer } from './helpers/pavise-server.js';

/**
 * The cookie jar of a browser, for Node's fetch (which keeps no cookies): it keeps what the
 * answers set (Max-Age=0 drops), sends it to the paths it was set for, and records every request.
 */
class CookieJar {
  readonly cookies = new Map<string, { value: string; path: string; attributes: string }>();
  readonly requests: { path: string; mode: string | null; credentials: string | undefined; body: string }[] = [];

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const cookie = [...this.cookies]
      .filter(([, c]) => path === c.path || path.startsWith(`${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    if (cookie) request.headers.set('cookie', cookie);
    this.requests.push({
      path,
      mode: request.headers.get('x-pavise-session'),
      credentials: init?.credentials,
      body: await request.clone().text(),
    });
    const response = await fetch(request);
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      const path = attributes.find((a) => a.startsWith('Path='))?.slice('Path='.length) ?? '/';
      if (attributes.includes('Max-Age=0')) this.cookies.delete(name);
      else this.cookies.set(name, { value, path, attributes: attributes.join('; ') });
    }
    return response;
  };

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }
}

/** A TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 secret at `time`, as an authenticator app computes it. */
function totpCode(secret: string, time: number): string {
  let bits = '';
  for (const char of secret.replace(/=+$/, ''))
    bits += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => Number.parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30_000)));
  const hmac = createHmac('sha1', key).update(counter).digest();
  const offset = hmac[hmac.length - 1]! & 0xf;
  return String((hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const CONTROLLERS = '{ dataControllers { id title } }';

describe('BrowserSession', () => {
  let server: TestServer;
  /** The server's time and the sessions': it moves only when a test moves it. */
  const clock = new TestClock(new Date('2030-01-01T00:00:05Z'));
  const time = new FakeTime(clock);
  const sessionOf = (jar: CookieJar, options: BrowserSessionOptions = {}) =>
    new BrowserSession({
      authUrl: server.url,
      fetch: jar.fetch,
      [TIME]: time,
      ...options,
    } as WithTime<BrowserSessionOptions>);
  const clientOf = (session: BrowserSession, jar: CookieJar) =>
    new PaviseClient({ session, apiUrl: `${server.url}/v1/graphql`, fetch: jar.fetch });
  const signedIn = async (jar = new CookieJar()) => {
    const session = sessionOf(jar);
    const result = await session.signInWithPassword(server.bootstrap!.email, server.bootstrap!.password);
    assert.ok('user' in result);
    return { jar, session };
  };

  before(async () => {
    server = await startTestServer(
      { PAVISE_ACCESS_TOKEN_EXPIRES_IN: '3', PAVISE_RATE_LIMIT_IP_FAILURES: '1000/300' },
      undefined,
      { clock },
    );
  });
  after(() => server.close());

  it('signs in, queries GraphQL through PaviseClient({session}), and keeps the refresh token in the cookie only', async () => {
    const jar = new CookieJar();
    const session = sessionOf(jar);
    const seen: (User | null)[] = [];
    session.onChange((user) => seen.push(user));
    assert.equal(session.user, null);
    const result = await session.signInWithPassword(server.bootstrap!.email, server.bootstrap!.password);
    assert.ok('user' in result);
    assert.equal(result.user.email, server.bootstrap!.email);
    assert.equal(session.user, result.user);
    assert.deepEqual(seen, [result.user]);
    const cookie = jar.cookies.get('pavise_refresh');
    assert.match(cookie?.value ?? '', /^pavise_rt_/);
    assert.match(cookie!.attributes, /HttpOnly; SameSite=Strict; Path=\/v1; Max-Age=\d+/);

    const client = clientOf(session, jar);
    const data = await client.query<{ dataControllers: { title: string }[] }>(CONTROLLERS);
    assert.deepEqual(
      data.dataControllers.map((c) => c.title),
      ['My Organisation'],
    );
    for (const request of jar.requests.filter((r) => r.path !== '/v1/graphql')) {
      assert.equal(request.mode, 'cookie', request.path);
      assert.equal(request.credentials, 'same-origin', request.path);
    }
  });

  it('resumes after a reload with only the cookie, and answers null when there is none', async () => {
    const { jar } = await signedIn();
    // A reload: the page's memory is gone, the browser's cookie is not.
    const reloaded = sessionOf(jar);
    const user = await reloaded.resume();
    assert.equal(user?.email, server.bootstrap!.email);
    assert.equal(reloaded.user, user);
    const data = await clientOf(reloaded, jar).query<{ dataControllers: unknown[] }>(CONTROLLERS);
    assert.equal(data.dataControllers.length, 1);
    assert.equal(jar.count('/v1/token'), 1);

    const stranger = new CookieJar();
    assert.equal(await sessionOf(stranger).resume(), null);
    await assert.rejects(sessionOf(stranger).token(), {
      name: 'PaviseError',
      code: 'invalid-refresh-token',
      status: 401,
    });
  });

  it('renews the access token before it expires, with one renewal shared by concurrent callers', async () => {
    const { jar, session } = await signedIn();
    const first = await session.token();
    assert.equal(await session.token(), first, 'still fresh');
    // A 3-second token counts 2 s, renewed 0.4 s early: at 1.6 s.
    time.advance(1_599);
    assert.equal(await session.token(), first);
    time.advance(1);
    const cookieBefore = jar.cookies.get('pavise_refresh')!.value;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => session.token()));
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], first);
    assert.equal(jar.count('/v1/token'), 1, 'one renewal');
    assert.notEqual(jar.cookies.get('pavise_refresh')!.value, cookieBefore, 'the cookie rotated');

    // A refused token is renewed; one another caller has already replaced is not renewed again.
    assert.equal(await session.renewAfterRefusal(first), tokens[0]);
    time.advance(1_000); // a second later, so that the new token differs (its iat)
    const renewed = await session.renewAfterRefusal(tokens[0]!);
    assert.notEqual(renewed, tokens[0]);
    assert.equal(jar.count('/v1/token'), 2);
  });

  it('signs out: the cookie is cleared and its session ended, even for a copy of it', async () => {
    const { jar, session } = await signedIn();
    const stolen = jar.cookies.get('pavise_refresh')!;
    const seen: (User | null)[] = [];
    const unsubscribe = session.onChange((user) => seen.push(user));
    await session.signOut();
    assert.equal(session.user, null);
    assert.deepEqual(seen, [null]);
    unsubscribe();
    assert.equal(jar.cookies.has('pavise_refresh'), false);
    assert.equal(await sessionOf(jar).resume(), null);
    const copy = new CookieJar();
    copy.cookies.set('pavise_refresh', stolen);
    assert.equal(await sessionOf(copy).resume(), null);
    await assert.rejects(session.token(), { code: 'invalid-refresh-token' });
  });

  it('forgets the user when the cookie’s session ends on the server (signed out elsewhere)', async () => {
    const { jar, session } = await signedIn();
    const seen: (User | null)[] = [];
    session.onChange((user) => seen.push(user));
    await server.pavise.db.query('DELETE FROM auth.refresh_tokens');
    time.advance(1_600);
    await assert.rejects(clientOf(session, jar).query(CONTROLLERS), { code: 'invalid-refresh-token', status: 401 });
    assert.equal(session.user, null);
    assert.deepEqual(seen, [null]);
  });

  it('answers the server’s code and message as a PaviseError', async () => {
    const session = sessionOf(new CookieJar());
    await assert.rejects(session.signInWithPassword(server.bootstrap!.email, 'Not-the-passw0rd!'), (error: unknown) => {
      assert.ok(error instanceof PaviseError);
      assert.equal(error.code, 'invalid-email-password');
      assert.equal(error.message, 'Incorrect email or password');
      assert.equal(error.status, 401);
      return true;
    });
    assert.equal(session.user, null);
    const unreachable = sessionOf(new CookieJar(), { authUrl: 'http://127.0.0.1:1' });
    await assert.rejects(unreachable.resume(), { code: 'network-error' });
  });

  it('signs in in two steps for an account with TOTP', async () => {
    const email = `browser-totp-${Date.now()}@example.com`;
    const password = 'Browser-totp-1!';
    const signUp = await server.call('/v1/signup/email-password', { body: { email, password } });
    const token = signUp.body.session.accessToken;
    const { totpSecret } = (await server.call('/v1/mfa/totp/generate', { token })).body;
    const on = await server.call('/v1/user/mfa', {
      token,
      body: { code: totpCode(totpSecret, clock.now()), activeMfaType: 'totp' },
    });
    assert.equal(on.status, 200, on.text);

    const jar = new CookieJar();
    const session = sessionOf(jar);
    const first = await session.signInWithPassword(email, password);
    assert.ok('mfa' in first, JSON.stringify(first));
    assert.equal(session.user, null);
    assert.equal(jar.cookies.size, 0);
    time.advance(30_000); // the enrolment's code is spent: the next step's
    const { user } = await session.signInWithTotp(first.mfa.ticket, totpCode(totpSecret, clock.now()));
    assert.equal(user.email, email);
    assert.equal(user.activeMfaType, 'totp');
    assert.ok(jar.cookies.has('pavise_refresh'));
    assert.equal((await sessionOf(jar).resume())?.email, email);
  });

  describe('accepting an invitation', () => {
    const owner = () =>
      new PaviseClient({
        personalAccessToken: server.bootstrap!.pat,
        authUrl: server.url,
        apiUrl: `${server.url}/v1/graphql`,
      });
    const links = () =>
      server
        .logs()
        .split('\n')
        .filter((line) => line.includes('/accept-invitation#ticket='))
        .flatMap((line) => JSON.parse(line).links as string[])
        .filter((url) => url.includes('/accept-invitation#ticket='));

    /** Invites `email` to the bootstrap owner's controller as `role`: the controller and the ticket mailed. */
    async function invite(email: string, role: string): Promise<{ controllerId: string; ticket: string }> {
      const client = owner();
      const { dataControllers } = await client.query<{ dataControllers: { id: string }[] }>(CONTROLLERS);
      const controllerId = dataControllers[0]!.id;
      const before = links().length;
      await client.query(
        'mutation ($c: uuid!, $e: String!, $r: String!) { inviteDataControllerUser(dataControllerId: $c, email: $e, role: $r) { status } }',
        { c: controllerId, e: email, r: role },
      );
      // The development outbox logs the link once its worker has taken the mail (a real timer).
      const deadline = Date.now() + 10_000;
      while (links().length === before) {
        if (Date.now() > deadline) throw new Error(`no invitation link was logged for ${email}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { controllerId, ticket: decodeURIComponent(new URL(links().at(-1)!).hash.slice('#ticket='.length)) };
    }

    it('as a new account, which is then signed in', async () => {
      const email = `browser-invitee-${Date.now()}@colleagues.example`;
      const { controllerId, ticket } = await invite(email, 'dpo');
      const jar = new CookieJar();
      const session = sessionOf(jar);
      const accepted = await session.acceptInvitation(ticket, { password: 'Browser-invitee-1!', displayName: 'Ina' });
      assert.equal(accepted.dataControllerId, controllerId);
      assert.equal(accepted.role, 'dpo');
      assert.equal(accepted.user?.email, email);
      assert.equal(accepted.user?.displayName, 'Ina');
      assert.equal(session.user, accepted.user);
      assert.equal((await sessionOf(jar).resume())?.email, email);
    });

    it('as the signed-in account, with its access token', async () => {
      const email = `browser-member-${Date.now()}@colleagues.example`;
      const password = 'Browser-member-1!';
      assert.equal((await server.call('/v1/signup/email-password', { body: { email, password } })).status, 200);
      const { controllerId, ticket } = await invite(email, 'member');
      const session = sessionOf(new CookieJar());
      await session.signInWithPassword(email, password);
      const accepted = await session.acceptInvitation(ticket);
      assert.deepEqual(accepted, { dataControllerId: controllerId, role: 'member' });
      assert.equal(session.user?.email, email);
    });
  });

  describe('PaviseClient with a session', () => {
    const withoutPaviseVariables = (run: () => void) => {
      const saved = { ...process.env };
      try {
        for (const name of Object.keys(process.env)) if (/^(PAVISE|DXTRA)_/.test(name)) delete process.env[name];
        run();
      } finally {
        Object.assign(process.env, saved);
      }
    };

    it('needs no PAT or auth URL, and takes a path as apiUrl on the page’s origin', () => {
      withoutPaviseVariables(() => {
        const session = sessionOf(new CookieJar());
        assert.equal(
          new PaviseClient({ session, apiUrl: `${server.url}/v1/graphql` }).apiUrl,
          `${server.url}/v1/graphql`,
        );
        assert.throws(() => new PaviseClient({ session, apiUrl: '/v1/graphql' }), {
          code: 'invalid-configuration',
          message: /is a path, and there is no page \(globalThis\.location\)/,
        });
        assert.throws(() => new PaviseClient({ session }), {
          code: 'invalid-configuration',
          message: /the GraphQL URL/,
        });
        const page = globalThis as { location?: { href: string } };
        page.location = { href: `${server.url}/console/team?tab=members` };
        try {
          assert.equal(new PaviseClient({ session, apiUrl: '/v1/graphql' }).apiUrl, `${server.url}/v1/graphql`);
        } finally {
          delete page.location;
        }
        // Without a session, a PAT and an auth URL are needed as before.
        assert.throws(() => new PaviseClient({ apiUrl: `${server.url}/v1/graphql` }), /PAVISE_PAT \/ DXTRA_API_KEY/);
      });
    });

    it('renews through the session after a 401 and sends the query once more', async () => {
      const { jar, session } = await signedIn();
      const client = clientOf(session, jar);
      await client.query(CONTROLLERS);
      // The server refuses the next query's token (corrupted on the way): the session renews it.
      const refreshes = jar.count('/v1/token');
      let corrupt = true;
      const corrupting = new PaviseClient({
        session,
        apiUrl: `${server.url}/v1/graphql`,
        fetch: (input, init) => {
          const request = new Request(input, init);
          if (corrupt && new URL(request.url).pathname === '/v1/graphql') {
            corrupt = false;
            request.headers.set('authorization', `${request.headers.get('authorization')!.slice(0, -4)}AAAA`);
          }
          return jar.fetch(request);
        },
      });
      const data = await corrupting.query<{ dataControllers: unknown[] }>(CONTROLLERS);
      assert.equal(data.dataControllers.length, 1);
      assert.equal(jar.count('/v1/token'), refreshes + 1, 'one renewal after the 401');
    });
  });
});
