import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import { TestClock } from './helpers/clock.js';
import { assertAuthError, type Response } from './helpers/http.js';
import { startPrivacyServer } from './helpers/privacy.js';
import type { TestServer } from './helpers/server.js';
import { forSuite, suiteServer } from './helpers/suite.js';
import { totpCode } from './helpers/totp.js';

/**
 * Browser sessions in cookie mode (docs/contracts.md §3.11), through HTTP: the refresh token in
 * an HttpOnly, SameSite=Strict cookie, never in a body; same origin only; without the header,
 * the routes answer as they always did.
 */

const MODE = { 'x-pavise-session': 'cookie' };
const REFRESH_EXPIRES_IN = 7200;
const COOKIE = new RegExp(
  `^pavise_refresh=(pavise_rt_[0-9A-Za-z]{37}); HttpOnly; SameSite=Strict; Path=/v1; Max-Age=${REFRESH_EXPIRES_IN}$`,
);
const CLEARED = 'pavise_refresh=; HttpOnly; SameSite=Strict; Path=/v1; Max-Age=0';
const SESSION_KEYS = ['accessToken', 'accessTokenExpiresIn', 'refreshTokenId', 'user'];

/** The one Set-Cookie header of an answer (none: undefined). */
function setCookie(response: Response): string | undefined {
  const cookies = response.headers.getSetCookie();
  assert.ok(cookies.length <= 1, `more than one Set-Cookie: ${cookies.join(' | ')}`);
  return cookies[0];
}

/** The refresh token an answer put in the cookie, its attributes checked to be exactly those of §3.11. */
function cookieSet(response: Response): string {
  const header = setCookie(response);
  const match = COOKIE.exec(header ?? '');
  assert.ok(match, `Set-Cookie: ${header}`);
  return match[1]!;
}

/** A request in cookie mode, with `cookie` as the browser would send it. */
function inCookieMode(
  server: TestServer,
  path: string,
  { cookie, body, headers }: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return server.call(path, {
    method: 'POST',
    body,
    headers: { ...MODE, ...(cookie === undefined ? {} : { cookie: `pavise_refresh=${cookie}` }), ...headers },
  });
}

const signIn = (server: TestServer, headers: Record<string, string> = {}) =>
  inCookieMode(server, '/v1/signin/email-password', {
    body: { email: server.bootstrap!.email, password: server.bootstrap!.password },
    headers,
  });

describe('cookie mode (X-Pavise-Session: cookie)', () => {
  const clock = new TestClock();
  const server = suiteServer(
    {
      PAVISE_REFRESH_TOKEN_EXPIRES_IN: String(REFRESH_EXPIRES_IN),
      PAVISE_REFRESH_TOKEN_GRACE_SECONDS: '2',
      PAVISE_PUBLIC_URL: 'https://console.example.com',
      PAVISE_CORS_ORIGINS: 'https://dashboard.example.com',
      PAVISE_RATE_LIMIT_IP_FAILURES: '1000/300',
    },
    { clock },
  );
  /** Every refresh token a cookie carried: none of them may reach the log. */
  const seen = new Set<string>();
  const signedIn = async () => {
    const response = await signIn(server);
    assert.equal(response.status, 200, response.text);
    const token = cookieSet(response);
    seen.add(token);
    return { response, token };
  };
  const refresh = async (cookie?: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await inCookieMode(server, '/v1/token', { cookie, ...options });
    if (response.status === 200) seen.add(cookieSet(response));
    return response;
  };

  it('signs in with the refresh token in the cookie, exactly so, and none in the body', async () => {
    const { response, token } = await signedIn();
    assert.deepEqual(Object.keys(response.body), ['session', 'mfa']);
    assert.equal(response.body.mfa, null);
    assert.deepEqual(Object.keys(response.body.session), SESSION_KEYS);
    assert.ok(!response.text.includes(token), 'the token appears only in the cookie');
    assert.match(response.body.session.refreshTokenId, /^[0-9a-f-]{36}$/);
    // Over plain HTTP, no Secure (PAVISE_TRUST_PROXY is off: X-Forwarded-Proto is not believed).
    assert.ok(!cookieSet(await signIn(server, { 'x-forwarded-proto': 'https' })).includes('Secure'));
    const user = await server.call('/v1/user', { token: response.body.session.accessToken });
    assert.equal(user.status, 200);
    assert.equal(user.body.email, server.bootstrap!.email);
  });

  it('refreshes from the cookie alone (no body or {}), rotating it; the replaced value is refused after the grace window', async () => {
    const { response: signIn, token: first } = await signedIn();
    const rotated = await refresh(first);
    assert.equal(rotated.status, 200, rotated.text);
    assert.deepEqual(Object.keys(rotated.body), SESSION_KEYS, 'the bare Session, without refreshToken');
    assert.equal(rotated.body.refreshTokenId, signIn.body.session.refreshTokenId, 'the same family');
    const second = cookieSet(rotated);
    assert.notEqual(second, first);

    const third = cookieSet(await refresh(second, { body: {} }));
    assert.notEqual(third, second);
    // Two tabs refreshing at once: within the grace window, the replaced value yields the same successor.
    clock.advance(1_999);
    assert.equal(cookieSet(await refresh(second)), third);
    clock.advance(1);
    const late = await refresh(second);
    assertAuthError(late, 401, 'invalid-refresh-token', 'Invalid or expired refresh token');
    assert.equal(setCookie(late), CLEARED);
    // A replaced token presented late is theft: the family ended, the current cookie with it.
    assert.equal((await refresh(third)).status, 401);
  });

  it('answers 401 and clears the cookie without one, or with one that is not a refresh token', async () => {
    for (const cookie of [undefined, '', 'garbage', generateToken('rt'), server.bootstrap!.pat]) {
      const response = await refresh(cookie);
      assertAuthError(response, 401, 'invalid-refresh-token', 'Invalid or expired refresh token');
      assert.equal(setCookie(response), CLEARED, String(cookie));
    }
  });

  it('takes the refresh token one way per request: a body refreshToken in cookie mode is a 400', async () => {
    const { token } = await signedIn();
    for (const path of ['/v1/token', '/v1/signout']) {
      const response = await inCookieMode(server, path, { cookie: token, body: { refreshToken: token } });
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.equal(response.body.error, 'invalid-request');
      assert.equal(setCookie(response), undefined);
    }
    const other = await server.call('/v1/token', { headers: { 'x-pavise-session': 'bearer' }, body: {} });
    assertAuthError(other, 400, 'invalid-request', 'The X-Pavise-Session header accepts only "cookie"');
    // Nothing was used: the cookie still refreshes.
    assert.equal((await refresh(token)).status, 200);
  });

  it('signs out: ends the cookie’s family, clears the cookie, "OK"; the old value is refused', async () => {
    const { token } = await signedIn();
    const response = await inCookieMode(server, '/v1/signout');
    assert.equal(response.status, 200, response.text);
    assert.equal(setCookie(response), CLEARED, 'cleared even without a cookie');
    const out = await inCookieMode(server, '/v1/signout', { cookie: token, body: {} });
    assert.equal(out.status, 200, out.text);
    assert.equal(out.text, '"OK"');
    assert.equal(setCookie(out), CLEARED);
    assert.equal((await refresh(token)).status, 401);
    assert.equal((await server.call('/v1/token', { body: { refreshToken: token } })).status, 401, 'in any mode');
  });

  it('signs out everywhere with {"all": true} and the access token, clearing the cookie', async () => {
    const { response, token } = await signedIn();
    const other = await signedIn();
    const out = await inCookieMode(server, '/v1/signout', {
      cookie: token,
      body: { all: true },
      headers: { authorization: `Bearer ${response.body.session.accessToken}` },
    });
    assert.equal(out.status, 200, out.text);
    assert.equal(setCookie(out), CLEARED);
    assert.equal((await refresh(other.token)).status, 401);
  });

  it('is same-origin only: a foreign Origin is 403 forbidden-origin, before any credential is used', async () => {
    const { token } = await signedIn();
    const foreign = [
      'https://evil.example',
      'https://dashboard.example.com', // trusted for CORS (PAVISE_CORS_ORIGINS), but not the server's own
      'null',
      server.url.replace('127.0.0.1', 'localhost'),
    ];
    for (const origin of foreign) {
      for (const path of ['/v1/signin/email-password', '/v1/token', '/v1/signout']) {
        const body =
          path === '/v1/signin/email-password'
            ? { email: server.bootstrap!.email, password: server.bootstrap!.password }
            : undefined;
        const response = await inCookieMode(server, path, { cookie: token, body, headers: { origin } });
        assert.equal(response.status, 403, `${origin} ${path}: ${response.text}`);
        assert.equal(response.body.error, 'forbidden-origin');
        assert.equal(setCookie(response), undefined);
      }
    }
    // The server's own origin, as the request names it or as PAVISE_PUBLIC_URL does.
    const own = await refresh(token, { headers: { origin: server.url } });
    assert.equal(own.status, 200, own.text);
    const publicOrigin = await refresh(cookieSet(own), { headers: { origin: 'https://console.example.com' } });
    assert.equal(publicOrigin.status, 200, publicOrigin.text);
  });

  it('changes nothing without the header: Nhost’s answers, no cookie set, a cookie sent ignored', async () => {
    const plain = await server.call('/v1/signin/email-password', {
      body: { email: server.bootstrap!.email, password: server.bootstrap!.password },
    });
    assert.equal(plain.status, 200);
    assert.deepEqual(Object.keys(plain.body.session), [
      'accessToken',
      'accessTokenExpiresIn',
      'refreshToken',
      'refreshTokenId',
      'user',
    ]);
    assert.equal(setCookie(plain), undefined);
    const rotated = await server.call('/v1/token', { body: { refreshToken: plain.body.session.refreshToken } });
    assert.equal(rotated.status, 200);
    assert.match(rotated.body.refreshToken, /^pavise_rt_/);
    assert.equal(setCookie(rotated), undefined);

    const { token } = await signedIn();
    const headers = { cookie: `pavise_refresh=${token}` };
    const noBody = await server.call('/v1/token', { method: 'POST', headers, body: {} });
    assertAuthError(
      noBody,
      400,
      'invalid-request',
      'The request payload is incorrect: refreshToken: Invalid input: expected string, received undefined',
    );
    const signOut = await server.call('/v1/signout', { method: 'POST', headers, body: {} });
    assert.equal(signOut.status, 400);
    assert.equal(setCookie(signOut), undefined);
    assert.equal((await refresh(token)).status, 200, 'the cookie was not used');
  });

  it('never logs a cookie’s refresh token', () => {
    assert.ok(seen.size > 5);
    const logs = server.logs();
    for (const token of seen) assert.ok(!logs.includes(token), 'a refresh token in the log');
  });
});

describe('cookie mode behind a proxy', () => {
  const server = suiteServer({
    PAVISE_TRUST_PROXY: 'true',
    PAVISE_REFRESH_TOKEN_EXPIRES_IN: String(REFRESH_EXPIRES_IN),
  });

  it('marks the cookie Secure when the request came over HTTPS, and only then', async () => {
    const https = await signIn(server, { 'x-forwarded-proto': 'https' });
    assert.equal(https.status, 200, https.text);
    const header = setCookie(https)!;
    assert.ok(header.endsWith('; Secure'), header);
    const token = COOKIE.exec(header.slice(0, -'; Secure'.length))?.[1];
    assert.ok(token, header);
    assert.ok(!setCookie(await signIn(server, { 'x-forwarded-proto': 'http' }))!.includes('Secure'));
    // Over HTTPS the own origin is https://<host>, and clearing is Secure too.
    const host = new URL(server.url).host;
    const out = await inCookieMode(server, '/v1/signout', {
      cookie: token,
      headers: { 'x-forwarded-proto': 'https', origin: `https://${host}` },
    });
    assert.equal(out.status, 200, out.text);
    assert.equal(setCookie(out), `${CLEARED}; Secure`);
  });
});

describe('cookie mode and the rate limits', () => {
  const server = suiteServer({
    PAVISE_RATE_LIMIT_IP_FAILURES: '2/300',
    PAVISE_RATE_LIMIT_PER_CREDENTIAL: '3/300',
    PAVISE_REFRESH_TOKEN_EXPIRES_IN: String(REFRESH_EXPIRES_IN),
    PAVISE_REFRESH_TOKEN_GRACE_SECONDS: '60',
  });

  it('does not count a missing cookie as a failed sign-in (a sign-in page resuming on every load)', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await inCookieMode(server, '/v1/token')).status, 401);
  });

  it('counts the cookie’s token as the credential presented to /v1/token', async () => {
    const signedIn = await signIn(server);
    assert.equal(signedIn.status, 200, signedIn.text);
    const token = cookieSet(signedIn);
    // Within the grace window the same cookie rotates to the same successor: three attempts of one credential.
    for (let i = 0; i < 3; i++) assert.equal((await inCookieMode(server, '/v1/token', { cookie: token })).status, 200);
    const limited = await inCookieMode(server, '/v1/token', { cookie: token });
    assert.equal(limited.status, 429, limited.text);
    assert.equal(setCookie(limited), undefined, 'a rate limit does not clear the cookie');
  });
});

describe('cookie mode: the second step of a two-factor sign-in', () => {
  const clock = new TestClock(new Date('2030-01-01T00:00:05Z'));
  const server = suiteServer({ PAVISE_REFRESH_TOKEN_EXPIRES_IN: String(REFRESH_EXPIRES_IN) }, { clock });

  it('answers the ticket without a cookie, and the session of the code with one', async () => {
    const email = 'cookie-totp@example.com';
    const password = 'Cookie-totp-1!';
    const signUp = await server.call('/v1/signup/email-password', { body: { email, password } });
    assert.equal(signUp.status, 200, signUp.text);
    const token = signUp.body.session.accessToken;
    const { totpSecret } = (await server.call('/v1/mfa/totp/generate', { token })).body;
    const activated = await server.call('/v1/user/mfa', {
      token,
      body: { code: totpCode(totpSecret, clock.now()), activeMfaType: 'totp' },
    });
    assert.equal(activated.status, 200, activated.text);

    const first = await inCookieMode(server, '/v1/signin/email-password', { body: { email, password } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.session, null);
    assert.match(first.body.mfa.ticket, /^mfaTotp:/);
    assert.equal(setCookie(first), undefined);

    clock.advance(30_000); // the enrolment's code is used: the next step's
    const second = await inCookieMode(server, '/v1/signin/mfa/totp', {
      body: { ticket: first.body.mfa.ticket, otp: totpCode(totpSecret, clock.now()) },
    });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(Object.keys(second.body.session), SESSION_KEYS);
    assert.equal(second.body.mfa, null);
    const cookie = cookieSet(second);
    const refreshed = await inCookieMode(server, '/v1/token', { cookie });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.user.email, email);
  });
});

describe('cookie mode: accepting an invitation as a new account', () => {
  const server = forSuite(() =>
    startPrivacyServer({
      PAVISE_REFRESH_TOKEN_EXPIRES_IN: String(REFRESH_EXPIRES_IN),
      PAVISE_RATE_LIMIT_MAIL: '100/3600',
    }),
  );

  /** The accept links of the invitation mails so far, from the development outbox's logged links. */
  const invitationLinks = () =>
    server
      .logs()
      .split('\n')
      .filter((line) => line.includes('"links"'))
      .flatMap((line) => JSON.parse(line).links as string[])
      .filter((url) => url.includes('/accept-invitation#ticket='));

  /** The ticket of the next invitation mail, once the outbox has logged it. */
  async function nextTicket(before: number): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (invitationLinks().length === before) {
      if (Date.now() > deadline) throw new Error('no invitation link was logged');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return decodeURIComponent(new URL(invitationLinks().at(-1)!).hash.slice('#ticket='.length));
  }

  it('answers the new account’s session without its refresh token, which is in the cookie', async () => {
    const { controllerId, owner } = await server.newController('Cookie Corp');
    const email = `cookie-invitee-${Date.now()}@colleagues.example`;
    const before = invitationLinks().length;
    const invited = await server.gql(
      `mutation ($c: uuid!, $e: String!) { inviteDataControllerUser(dataControllerId: $c, email: $e, role: "dpo") { status } }`,
      { c: controllerId, e: email },
      { token: owner.token },
    );
    assert.equal(invited.body.errors, undefined, invited.text);
    const ticket = await nextTicket(before);

    const foreign = await inCookieMode(server, '/v1/invitations/accept', {
      body: { ticket, password: 'Cookie-invitee-1!' },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreign.status, 403, foreign.text);

    const accepted = await inCookieMode(server, '/v1/invitations/accept', {
      body: { ticket, password: 'Cookie-invitee-1!' },
    });
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(Object.keys(accepted.body), ['dataControllerId', 'role', 'session']);
    assert.equal(accepted.body.dataControllerId, controllerId);
    assert.equal(accepted.body.role, 'dpo');
    assert.deepEqual(Object.keys(accepted.body.session), SESSION_KEYS);
    const refreshed = await inCookieMode(server, '/v1/token', { cookie: cookieSet(accepted) });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.user.email, email);
  });
});
