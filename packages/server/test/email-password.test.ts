import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../src/auth/passwords.js';
import { TestClock } from './helpers/clock.js';
import { assertAuthError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';

describe('sign-up and sign-in with e-mail and password', () => {
  const server = suiteServer();

  it('signs up: {"session": …} for a new user with roles user and me', async () => {
    const response = await server.call('/v1/signup/email-password', {
      body: {
        email: 'Ada@Example.com',
        password: 'Analytical-engine-1843',
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
      body: { email: 'ADA@example.com', password: 'Another-passw0rd' },
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
      body: { email: 'not an email', password: 'Long-enough-passw0rd' },
    });
    assert.equal(email.status, 400);
    assert.equal(email.body.error, 'invalid-request');
  });

  it('signs in: {"session": …, "mfa": null}', async () => {
    const response = await server.call('/v1/signin/email-password', {
      body: { email: 'ada@example.com', password: 'Analytical-engine-1843' },
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
      body: { email: 'nobody@example.com', password: 'Analytical-engine-1843' },
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

describe('the password rule (docs/contracts.md §3.3)', () => {
  const server = suiteServer();
  let accounts = 0;
  const signUp = (password: string) =>
    server.call('/v1/signup/email-password', { body: { email: `rule-${++accounts}@example.com`, password } });

  it('refuses a password without an upper-case letter, a lower-case letter, a digit or a symbol, naming what is missing', async () => {
    const cases: [string, RegExp][] = [
      ['lower-case-only-1', /no upper-case letter$/],
      ['UPPER-CASE-ONLY-1', /no lower-case letter$/],
      ['No-digits-here', /no digit$/],
      ['NoSymbols123', /no symbol$/],
      // A space is not a symbol.
      ['nothing but letters', /no upper-case letter, no digit, no symbol$/],
    ];
    for (const [password, missing] of cases) {
      const response = await signUp(password);
      assert.equal(response.status, 400, password);
      assert.equal(response.body.error, 'invalid-request', password);
      assert.match(response.body.message, /needs an upper-case letter, a lower-case letter, a digit and a symbol/);
      assert.match(response.body.message, missing, password);
    }
  });

  it('refuses a common password, also with digits and symbols put after it: 400 password-in-hibp-database', async () => {
    for (const password of ['P@ssw0rd', 'Dragon2024!', 'Sunshine#1']) {
      const response = await signUp(password);
      assert.equal(response.status, 400, password);
      assert.equal(response.body.error, 'password-in-hibp-database', password);
      assert.match(response.body.message, /one of the most common passwords/);
    }
  });

  it('counts the length in characters: seven are too few, eight with every class are enough', async () => {
    const short = await signUp('Ab1!xyz');
    assertAuthError(short, 400, 'password-too-short', 'Password is too short: use at least 8 characters');
    assert.equal((await signUp('Ab1!wxyz')).status, 200);
    // Any symbol counts, not only ! @ # $ % ^ & *; letters of any script have their case.
    assert.equal((await signUp('Ünïcode-ß7')).status, 200);
  });

  it('generates a bootstrap password that meets the rule', async () => {
    const { password } = server.bootstrap!;
    assert.equal((await signUp(password)).status, 200);
  });

  it('does not apply to a password that is already set: an older account still signs in', async () => {
    // An account made before the rule (written as an older version would have).
    const weak = 'weak password';
    await server.pavise.db.query(
      'INSERT INTO auth.users (email, password_hash, default_role, roles) VALUES ($1, $2, $3, $4)',
      ['older@example.com', await hashPassword(weak), 'user', ['user', 'me']],
    );
    const response = await server.call('/v1/signin/email-password', {
      body: { email: 'older@example.com', password: weak },
    });
    assert.equal(response.status, 200, response.text);
  });
});

describe('POST /v1/user/password', () => {
  const server = suiteServer();
  const email = 'changer@example.com';
  const oldPassword = 'Old-passw0rd-here';
  const newPassword = 'New-passw0rd-here';
  const signIn = async (password: string) => server.call('/v1/signin/email-password', { body: { email, password } });

  it('sets a new password with an access token; the other sessions end, this one and the PATs go on', async () => {
    const signUp = await server.call('/v1/signup/email-password', { body: { email, password: oldPassword } });
    assert.equal(signUp.status, 200, signUp.text);
    const other = (await signIn(oldPassword)).body.session;
    const current = (await signIn(oldPassword)).body.session;
    const pat = await server.call('/v1/pat', {
      token: current.accessToken,
      body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    assert.equal(pat.status, 200, pat.text);

    // The rule applies to the new password, and nothing changes when it is broken.
    const weak = await server.call('/v1/user/password', {
      token: current.accessToken,
      body: { newPassword: 'weakpassword' },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error, 'invalid-request');
    const otherRotated = await server.call('/v1/token', { body: { refreshToken: other.refreshToken } });
    assert.equal(otherRotated.status, 200, 'the other session still lives');

    const changed = await server.call('/v1/user/password', { token: current.accessToken, body: { newPassword } });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body, 'OK');

    assertAuthError(await signIn(oldPassword), 401, 'invalid-email-password', 'Incorrect email or password');
    assert.equal((await signIn(newPassword)).status, 200);
    // Every other session is over...
    const ended = await server.call('/v1/token', { body: { refreshToken: otherRotated.body.refreshToken } });
    assert.equal(ended.status, 401);
    assert.equal(ended.body.error, 'invalid-refresh-token');
    // ...the caller's own goes on, and so does the PAT.
    assert.equal((await server.call('/v1/token', { body: { refreshToken: current.refreshToken } })).status, 200);
    const byPat = await server.call('/v1/signin/pat', { body: { personalAccessToken: pat.body.personalAccessToken } });
    assert.equal(byPat.status, 200);
  });

  it('needs an access token', async () => {
    const response = await server.call('/v1/user/password', { body: { newPassword } });
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'unauthorized');
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
      body: { email: 'eve@example.com', password: 'Long-enough-passw0rd' },
    });
    assertAuthError(response, 403, 'signup-disabled', 'Sign up is disabled.');
    const signIn = await server.call('/v1/signin/email-password', {
      body: { email: 'eve@example.com', password: 'Long-enough-passw0rd' },
    });
    assert.equal(signIn.status, 401);
  });
});
