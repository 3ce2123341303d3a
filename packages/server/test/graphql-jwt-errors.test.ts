import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { TestClock } from './helpers/clock.js';
import { graphqlError } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';

const KEY = 'a-test-signing-key-that-is-long-enough-0123456789';
const NAMESPACE = 'https://hasura.io/jwt/claims';

/** Each JWT row of the reference's error table, with a token crafted to hit it. */
describe('GraphQL: JWT errors as Hasura reports them', () => {
  const clock = new TestClock();
  const server = suiteServer({ PAVISE_JWT_SECRET: JSON.stringify({ type: 'HS256', key: KEY }) }, { clock });

  /** A token issued 100 s ago on the server's clock, expiring `expiresIn` seconds from its current second. */
  const sign = (
    payload: Record<string, unknown>,
    options: { issuer?: string; expiresIn?: number; key?: string } = {},
  ) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('00000000-0000-0000-0000-000000000001')
      .setIssuedAt(now - 100)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .setIssuer(options.issuer ?? 'pavise')
      .sign(new TextEncoder().encode(options.key ?? KEY));
  };
  const claims = {
    'x-hasura-allowed-roles': ['user', 'me'],
    'x-hasura-default-role': 'user',
    'x-hasura-user-id': '00000000-0000-0000-0000-000000000001',
  };

  const cases: [string, () => Promise<string>, string, string][] = [
    [
      'expired',
      () => sign({ [NAMESPACE]: claims }, { expiresIn: -10 }),
      'invalid-jwt',
      'Could not verify JWT: JWTExpired',
    ],
    [
      'signed with another key',
      () => sign({ [NAMESPACE]: claims }, { key: `${KEY}-other` }),
      'invalid-jwt',
      'Could not verify JWT: JWSError JWSInvalidSignature',
    ],
    [
      'from another issuer',
      () => sign({ [NAMESPACE]: claims }, { issuer: 'elsewhere' }),
      'invalid-jwt',
      'Could not verify JWT: JWTNotInIssuer',
    ],
    ['without the claims namespace', () => sign({}), 'jwt-invalid-claims', `claims key: '${NAMESPACE}' not found`],
    [
      'without allowed roles',
      () => sign({ [NAMESPACE]: { 'x-hasura-default-role': 'user' } }),
      'jwt-missing-role-claims',
      'JWT claim does not contain x-hasura-allowed-roles',
    ],
    [
      'without a default role',
      () => sign({ [NAMESPACE]: { 'x-hasura-allowed-roles': ['user'] } }),
      'jwt-missing-role-claims',
      'JWT claim does not contain x-hasura-default-role',
    ],
    [
      'with allowed roles as a string',
      () => sign({ [NAMESPACE]: { 'x-hasura-allowed-roles': 'user', 'x-hasura-default-role': 'user' } }),
      'jwt-invalid-claims',
      'invalid x-hasura-allowed-roles; should be a list of roles: parsing [] failed, expected Array, but encountered String',
    ],
  ];
  for (const [what, token, code, message] of cases) {
    it(`answers 401 ${code} for a token ${what}`, async () => {
      const response = await server.call('/v1/graphql', { token: await token(), body: { query: '{ __typename }' } });
      assert.equal(response.status, 401);
      assert.deepEqual(response.body, graphqlError(message, code));
    });
  }

  it('accepts a well-formed token signed with the configured key', async () => {
    const response = await server.call('/v1/graphql', {
      token: await sign({ [NAMESPACE]: claims }),
      body: { query: '{ __typename }' },
    });
    assert.deepEqual(response.body, { data: { __typename: 'query_root' } });
  });

  it('refuses a token once it expires, though it was accepted before', async () => {
    // Accepted tokens are remembered; the expiry must still be checked on every request.
    const token = await sign({ [NAMESPACE]: claims }, { expiresIn: 3 });
    const exp = Math.floor(clock.now() / 1000) + 3;
    const first = await server.call('/v1/graphql', { token, body: { query: '{ __typename }' } });
    assert.deepEqual(first.body, { data: { __typename: 'query_root' } });
    clock.set(exp * 1000 - 1);
    const lastMoment = await server.call('/v1/graphql', { token, body: { query: '{ __typename }' } });
    assert.deepEqual(lastMoment.body, { data: { __typename: 'query_root' } }, 'still valid in the second before exp');
    clock.set(exp * 1000);
    const later = await server.call('/v1/graphql', { token, body: { query: '{ __typename }' } });
    assert.equal(later.status, 401);
    assert.deepEqual(later.body, graphqlError('Could not verify JWT: JWTExpired', 'invalid-jwt'));
  });

  it('refuses a token with one changed byte after accepting the original', async () => {
    const token = await sign({ [NAMESPACE]: claims });
    assert.equal((await server.call('/v1/graphql', { token, body: { query: '{ __typename }' } })).status, 200);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    const response = await server.call('/v1/graphql', { token: tampered, body: { query: '{ __typename }' } });
    assert.equal(response.status, 401);
  });
});
