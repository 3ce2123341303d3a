import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClock } from './helpers/clock.js';
import { assertAuthError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';

describe('sign-up and sign-in with e-mail and password', () => {
  const server = suiteServer();

  it('signs up: {"session": …} for a new user with roles user and me', async () => {
    const response = await server.call('/v1/signup/email-password', {
      body: {
        email: 'Ada@Example.com',
        password: 'analytical engine',
        options: { displayName: 'Ada', locale: 'fr', redirectTo: 'http://x' },
      },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), ['session']);
    const { user } = response.body.session;
    assert.equal(user.email, 'ada@example.com');
    assert.equal(user.displayName, 'Ada');
    assert.equal(user.locale, 'fr');
    assert.equal(user.emailVerified, false);
    assert.deepEqual(user.roles, ['user', 'me']);
  });

  it('refuses a second account with the same e-mail (any case): 409 email-already-in-use', async () => {
    const response = await server.call('/v1/signup/email-password', {
      body: { email: 'ADA@example.com', password: 'another password' },
    });
    assertAuthError(response, 409, 'email-already-in-use', 'Email already in use');
  });

  it('refuses short passwords and invalid e-mail addresses with 400', async () => {
    const short = await server.call('/v1/signup/email-password', {
      body: { email: 'bob@example.com', password: 'short' },
    });
    assert.equal(short.status, 400);
    assert.equal(short.body.error, 'password-too-short');
    const email = await server.call('/v1/signup/email-password', {
      body: { email: 'not an email', password: 'long enough password' },
    });
    assert.equal(email.status, 400);
    assert.equal(email.body.error, 'invalid-request');
  });

  it('signs in: {"session": …, "mfa": null}', async () => {
    const response = await server.call('/v1/signin/email-password', {
      body: { email: 'ada@example.com', password: 'analytical engine' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), ['session', 'mfa']);
    assert.equal(response.body.mfa, null);
    assert.equal(response.body.session.user.email, 'ada@example.com');
  });

  it('answers the same 401 for a wrong password and an unknown e-mail', async () => {
    const wrong = await server.call('/v1/signin/email-password', {
      body: { email: 'ada@example.com', password: 'difference engine' },
    });
    const unknown = await server.call('/v1/signin/email-password', {
      body: { email: 'nobody@example.com', password: 'analytical engine' },
    });
    for (const response of [wrong, unknown]) {
      assertAuthError(response, 401, 'invalid-email-password', 'Incorrect email or password');
    }
  });

  it('signs the bootstrap owner in with the printed password', async () => {
    const { email, password } = server.bootstrap!;
    const response = await server.call('/v1/signin/email-password', { body: { email, password } });
    assert.equal(response.status, 200);
  });
});

describe('GET /v1/user', () => {
  const clock = new TestClock();
  const server = suiteServer({ PAVISE_ACCESS_TOKEN_EXPIRES_IN: '3' }, { clock });

  it('returns the caller as a Nhost User, and 401 without a valid access token', async () => {
    const session = await server.signIn();
    const response = await server.call('/v1/user', { token: session.accessToken });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, session.user);
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer not.a.jwt' }] as Record<
      string,
      string
    >[]) {
      const denied = await server.call('/v1/user', { headers });
      assert.equal(denied.status, 401);
      assert.equal(denied.body.error, 'unauthorized');
    }
    // A token signed with another key is refused.
    const [header, payload] = session.accessToken.split('.');
    const forged = await server.call('/v1/user', {
      token: `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`,
    });
    assert.equal(forged.status, 401);
    // ...and so is an expired one (PAVISE_ACCESS_TOKEN_EXPIRES_IN=3, counted from the issued-at second).
    clock.advance(3_000);
    const expired = await server.call('/v1/user', { token: session.accessToken });
    assert.equal(expired.status, 401);
    assert.match(expired.body.message, /JWTExpired/);
  });
});

describe('PAVISE_SIGNUP=closed', () => {
  const server = suiteServer({ PAVISE_SIGNUP: 'closed' });

  it('refuses sign-up with 403 signup-disabled and creates nothing', async () => {
    const response = await server.call('/v1/signup/email-password', {
      body: { email: 'eve@example.com', password: 'long enough password' },
    });
    assertAuthError(response, 403, 'signup-disabled', 'Sign up is disabled.');
    const signIn = await server.call('/v1/signin/email-password', {
      body: { email: 'eve@example.com', password: 'long enough password' },
    });
    assert.equal(signIn.status, 401);
  });
});
