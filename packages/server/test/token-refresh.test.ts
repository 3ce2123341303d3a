import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import { TestClock } from './helpers/clock.js';
import { assertAuthError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';

const SESSION_KEYS = ['accessToken', 'accessTokenExpiresIn', 'refreshToken', 'refreshTokenId', 'user'];

/** The suite's server with `env`, on a test clock, and a refresh at its /v1/token. */
function tokenSuite(env: Record<string, string>) {
  const clock = new TestClock();
  const server = suiteServer(env, { clock });
  const refresh = (refreshToken: string) => server.call('/v1/token', { body: { refreshToken } });
  return { clock, server, refresh };
}

describe('POST /v1/token', () => {
  const { clock, server, refresh } = tokenSuite({ PAVISE_REFRESH_TOKEN_GRACE_SECONDS: '2' });

  it('returns the bare Session (not wrapped) and rotates the token within the same family', async () => {
    const session = await server.signIn();
    const response = await refresh(session.refreshToken);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), SESSION_KEYS);
    assert.notEqual(response.body.refreshToken, session.refreshToken);
    assert.equal(response.body.refreshTokenId, session.refreshTokenId);
    assert.equal(response.body.user.id, session.user.id);
    // The new token works in turn.
    const next = await refresh(response.body.refreshToken);
    assert.equal(next.status, 200);
    assert.equal(next.body.refreshTokenId, session.refreshTokenId);
  });

  it('gives concurrent refreshes with the same token the same new refresh token (grace window)', async () => {
    const session = await server.signIn();
    const [a, b, c] = await Promise.all([
      refresh(session.refreshToken),
      refresh(session.refreshToken),
      refresh(session.refreshToken),
    ]);
    assert.deepEqual([a.status, b.status, c.status], [200, 200, 200]);
    assert.equal(a.body.refreshToken, b.body.refreshToken);
    assert.equal(b.body.refreshToken, c.body.refreshToken);
    // ...and that shared successor is live.
    assert.equal((await refresh(a.body.refreshToken)).status, 200);
  });

  it('accepts the replaced token again until the grace window closes', async () => {
    const session = await server.signIn();
    const rotated = await refresh(session.refreshToken);
    clock.advance(1_999);
    const again = await refresh(session.refreshToken);
    assert.equal(again.status, 200, 'still within PAVISE_REFRESH_TOKEN_GRACE_SECONDS=2');
    assert.equal(again.body.refreshToken, rotated.body.refreshToken, 'the same successor');
    clock.advance(1);
    assert.equal((await refresh(session.refreshToken)).status, 401, 'the window is closed at 2 s');
  });

  it('treats reuse after the grace window as theft: 401 and the whole family is revoked', async () => {
    const session = await server.signIn();
    const rotated = await refresh(session.refreshToken);
    assert.equal(rotated.status, 200);
    clock.advance(2_500);
    const reuse = await refresh(session.refreshToken);
    assertAuthError(reuse, 401, 'invalid-refresh-token', 'Invalid or expired refresh token');
    // The legitimate holder's current token died with the family.
    const current = await refresh(rotated.body.refreshToken);
    assert.equal(current.status, 401);
    assert.equal(current.body.error, 'invalid-refresh-token');
    // Other sessions of the same user are untouched.
    const other = await server.signIn();
    assert.equal((await refresh(other.refreshToken)).status, 200);
  });

  it('answers 401 for an unknown token and 400 for a malformed one or a PAT', async () => {
    assert.equal((await refresh(generateToken('rt'))).status, 401);
    const malformed = await refresh('not-a-token');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error, 'invalid-request');
    assert.equal((await refresh(server.bootstrap!.pat)).status, 400);
    assert.equal((await server.call('/v1/token', { body: {} })).status, 400);
  });

  it('does not accept a refresh token at /v1/signin/pat', async () => {
    const session = await server.signIn();
    const response = await server.call('/v1/signin/pat', { body: { personalAccessToken: session.refreshToken } });
    assert.equal(response.status, 400);
  });
});

describe('refresh-token expiry', () => {
  const { clock, server, refresh } = tokenSuite({ PAVISE_REFRESH_TOKEN_EXPIRES_IN: '60' });

  it('answers 401 once PAVISE_REFRESH_TOKEN_EXPIRES_IN has passed', async () => {
    const session = await server.signIn();
    clock.advance(60_000);
    const response = await refresh(session.refreshToken);
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid-refresh-token');
  });

  it('is live until then, and each rotation restarts the lifetime', async () => {
    const session = await server.signIn();
    clock.advance(59_999);
    const rotated = await refresh(session.refreshToken);
    assert.equal(rotated.status, 200, 'a millisecond before expiry');
    clock.advance(59_999);
    const again = await refresh(rotated.body.refreshToken);
    assert.equal(again.status, 200, 'the successor lives 60 s from its rotation');
    clock.advance(60_000);
    assert.equal((await refresh(again.body.refreshToken)).status, 401);
  });
});

describe('POST /v1/signout', () => {
  const server = suiteServer();

  it('ends one session with its refresh token and answers "OK"', async () => {
    const ended = await server.signIn();
    const kept = await server.signIn();
    const response = await server.call('/v1/signout', { body: { refreshToken: ended.refreshToken } });
    assert.equal(response.status, 200);
    assert.equal(response.text, '"OK"');
    assert.match(response.headers.get('content-type')!, /application\/json/);
    assert.equal((await server.call('/v1/token', { body: { refreshToken: ended.refreshToken } })).status, 401);
    assert.equal((await server.call('/v1/token', { body: { refreshToken: kept.refreshToken } })).status, 200);
  });

  it('ends every session of the caller with {"all": true}, keeping their PATs', async () => {
    const a = await server.signIn();
    const b = await server.signIn();
    const response = await server.call('/v1/signout', { body: { all: true }, token: a.accessToken });
    assert.equal(response.status, 200);
    assert.equal((await server.call('/v1/token', { body: { refreshToken: a.refreshToken } })).status, 401);
    assert.equal((await server.call('/v1/token', { body: { refreshToken: b.refreshToken } })).status, 401);
    assert.equal(
      (await server.call('/v1/signin/pat', { body: { personalAccessToken: server.bootstrap!.pat } })).status,
      200,
    );
  });

  it('needs an access token for "all", and a refresh token otherwise', async () => {
    const noBearer = await server.call('/v1/signout', { body: { all: true } });
    assert.equal(noBearer.status, 401);
    assert.equal(noBearer.body.error, 'unauthorized');
    const nothing = await server.call('/v1/signout', { body: {} });
    assert.equal(nothing.status, 400);
    assert.equal(nothing.body.error, 'invalid-request');
  });

  it('accepts signing out a token that no longer exists (idempotent)', async () => {
    const response = await server.call('/v1/signout', { body: { refreshToken: generateToken('rt') } });
    assert.equal(response.status, 200);
  });
});
