import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import { TestClock } from './helpers/clock.js';
import { assertAuthError, decodeJwt } from './helpers/http.js';
import { unless } from './helpers/requirements.js';
import { importSeedSample, runSeedShell } from './helpers/seeds.js';
import type { TestServer } from './helpers/server.js';
import { suiteServer } from './helpers/suite.js';

const noCurl = await unless('curl');

const SESSION_KEYS = ['accessToken', 'accessTokenExpiresIn', 'refreshToken', 'refreshTokenId', 'user'];
const USER_KEYS = [
  'activeMfaType',
  'avatarUrl',
  'createdAt',
  'defaultRole',
  'displayName',
  'email',
  'emailVerified',
  'id',
  'isAnonymous',
  'locale',
  'metadata',
  'phoneNumberVerified',
  'roles',
];

describe('POST /v1/signin/pat', () => {
  const clock = new TestClock();
  const server = suiteServer({ PAVISE_ACCESS_TOKEN_EXPIRES_IN: '1234' }, { clock });

  it('answers the documented {"session": …} with Nhost session and user shapes', async () => {
    const response = await server.call('/v1/signin/pat', { body: { personalAccessToken: server.bootstrap!.pat } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /application\/json/);
    assert.equal(response.headers.get('cache-control'), 'no-store', 'sessions are never cached');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(Object.keys(response.body), ['session']);
    const session = response.body.session;
    assert.deepEqual(Object.keys(session), SESSION_KEYS);
    assert.deepEqual(Object.keys(session.user), USER_KEYS);
    assert.equal(session.accessTokenExpiresIn, 1234);
    assert.match(session.refreshToken, /^pavise_rt_[0-9A-Za-z]{37}$/);
    assert.match(session.refreshTokenId, /^[0-9a-f-]{36}$/);
    assert.equal(session.user.email, 'admin@localhost');
    assert.deepEqual(session.user.roles, ['user', 'me']);
    assert.equal(session.user.defaultRole, 'user');
    assert.equal(session.user.activeMfaType, null);
  });

  it('issues a JWT with the Hasura claims, and exp − iat equals PAVISE_ACCESS_TOKEN_EXPIRES_IN', async () => {
    const session = await server.signIn();
    const [header] = session.accessToken.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(session.accessToken);
    assert.equal(claims.sub, session.user.id);
    assert.equal(claims.iss, 'pavise');
    assert.equal(claims.exp - claims.iat, 1234);
    assert.equal(claims.iat, Math.floor(clock.now() / 1000), 'issued at the server clock');
    assert.deepEqual(claims['https://hasura.io/jwt/claims'], {
      'x-hasura-allowed-roles': ['user', 'me'],
      'x-hasura-default-role': 'user',
      'x-hasura-user-id': session.user.id,
      'x-hasura-user-is-anonymous': 'false',
    });
  });

  it('starts a new refresh-token family on every sign-in', async () => {
    const first = await server.signIn();
    const second = await server.signIn();
    assert.notEqual(first.refreshTokenId, second.refreshTokenId);
    assert.notEqual(first.refreshToken, second.refreshToken);
  });

  for (const [what, options] of [
    ['no body', { rawBody: '', headers: { 'content-type': 'application/json' } }],
    ['malformed JSON', { rawBody: '{"personalAccessToken": ', headers: { 'content-type': 'application/json' } }],
    ['no personalAccessToken', { body: {} }],
    ['a non-string token', { body: { personalAccessToken: 42 } }],
    ['an unknown property', { body: { personalAccessToken: 'x', extra: true } }],
    ['a token that is not a Pavise PAT', { body: { personalAccessToken: 'YOUR_PAT' } }],
    ['a JSON array', { body: [1] }],
  ] as const) {
    it(`answers 400 invalid-request for ${what}`, async () => {
      const response = await server.call('/v1/signin/pat', options);
      assert.equal(response.status, 400);
      assert.deepEqual(Object.keys(response.body), ['status', 'error', 'message']);
      assert.equal(response.body.status, 400);
      assert.equal(response.body.error, 'invalid-request');
      assert.ok(response.body.message.length > 0);
    });
  }

  it('answers 400 for a PAT with one character changed (the checksum catches typos)', async () => {
    const pat: string = server.bootstrap!.pat;
    const last = pat.at(-1) === 'a' ? 'b' : 'a';
    const response = await server.call('/v1/signin/pat', { body: { personalAccessToken: pat.slice(0, -1) + last } });
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid-request');
  });

  it('answers 401 invalid-pat for a well-formed token that does not exist', async () => {
    const response = await server.call('/v1/signin/pat', { body: { personalAccessToken: generateToken('pat') } });
    assertAuthError(response, 401, 'invalid-pat', 'Invalid or expired personal access token');
  });

  it('answers 401 invalid-pat once the PAT is revoked', async () => {
    const { id, personalAccessToken } = (await createPat(server, 60_000)).body;
    assert.equal((await server.call('/v1/signin/pat', { body: { personalAccessToken } })).status, 200);
    const session = await server.signIn();
    assert.equal((await server.call(`/v1/pat/${id}`, { method: 'DELETE', token: session.accessToken })).status, 200);
    const response = await server.call('/v1/signin/pat', { body: { personalAccessToken } });
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid-pat');
  });

  it('answers 401 invalid-pat once the PAT has expired', async () => {
    const created = await createPat(server, 60_000);
    assert.equal(created.status, 200);
    const signIn = () =>
      server.call('/v1/signin/pat', { body: { personalAccessToken: created.body.personalAccessToken } });
    clock.advance(59_999);
    assert.equal((await signIn()).status, 200, 'a millisecond before expiresAt');
    clock.advance(1);
    const response = await signIn();
    assert.equal(response.status, 401, 'at expiresAt');
    assert.equal(response.body.error, 'invalid-pat');
  });

  it("runs seed 001's and seed 002's JavaScript unchanged (base URL aside)", async () => {
    const { getAccessToken } = await importSeedSample(
      '001-get-access-token.js',
      server.url,
      'export { getAccessToken };',
    );
    const { getJwtToken } = await importSeedSample('002-get-jwt-token.js', server.url, 'export { getJwtToken };');
    for (const exchange of [getAccessToken, getJwtToken]) {
      const jwt = await exchange(server.bootstrap!.pat);
      assert.equal(decodeJwt(jwt).sub.length, 36);
      await assert.rejects(exchange(generateToken('pat')), /Authentication failed: 401/);
    }
  });

  it("runs seed 003's Step 1 JavaScript unchanged (base URL and YOUR_PAT aside)", async () => {
    const { accessToken } = await importSeedSample('003-step-1.js', server.url, 'export { accessToken };', {
      YOUR_PAT: server.bootstrap!.pat,
    });
    assert.equal(decodeJwt(accessToken).iss, 'pavise');
  });

  for (const sample of ['001-step-2.sh', '003-step-1.sh']) {
    it(`runs the curl of ${sample} unchanged (host and YOUR_PAT aside)`, { skip: noCurl }, async () => {
      const body = JSON.parse(await runSeedShell(sample, server.url, { YOUR_PAT: server.bootstrap!.pat }));
      assert.equal(typeof body.session.accessToken, 'string');
      assert.equal(body.session.accessTokenExpiresIn, 1234);
      assert.equal(typeof body.session.refreshToken, 'string');
    });
  }
});

/** A PAT of the bootstrap owner that expires `lifetimeMs` from now on the server's clock. */
async function createPat(server: TestServer, lifetimeMs: number) {
  const session = await server.signIn();
  return server.call('/v1/pat', {
    token: session.accessToken,
    body: { expiresAt: new Date(server.clock.now() + lifetimeMs).toISOString(), metadata: { name: 'test' } },
  });
}
