import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { decodeJwt } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { suiteServer } from './helpers/suite.js';

describe('JWT keys and JWKS', () => {
  describe('HS256 from PAVISE_JWT_SECRET', () => {
    const key = 'k'.repeat(40);
    const server = suiteServer({ PAVISE_JWT_SECRET: JSON.stringify({ type: 'HS256', key, issuer: 'my-issuer' }) });

    it('signs with the configured key and issuer, and publishes no shared secret', async () => {
      const session = await server.signIn();
      const { payload } = await jwtVerify(session.accessToken, new TextEncoder().encode(key), { issuer: 'my-issuer' });
      assert.equal(payload.sub, session.user.id);
      const jwks = await server.call('/v1/.well-known/jwks.json');
      assert.equal(jwks.status, 200);
      assert.deepEqual(jwks.body, { keys: [] });
    });
  });

  describe('RS256 with a key pair', () => {
    let server: TestServer;
    before(async () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      server = await startTestServer({
        PAVISE_JWT_SECRET: JSON.stringify({
          type: 'RS256',
          key: publicKey.export({ type: 'spki', format: 'pem' }),
          signing_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
          kid: 'pavise-1',
        }),
      });
    });
    after(() => server.close());

    it('publishes the public key, which verifies the access tokens', async () => {
      const jwks = await server.call('/v1/.well-known/jwks.json');
      assert.equal(jwks.body.keys.length, 1);
      assert.equal(jwks.body.keys[0].kid, 'pavise-1');
      assert.equal(jwks.body.keys[0].alg, 'RS256');
      assert.equal(jwks.body.keys[0].d, undefined, 'no private part');
      const session = await server.signIn();
      const { payload, protectedHeader } = await jwtVerify(session.accessToken, createLocalJWKSet(jwks.body));
      assert.equal(protectedHeader.kid, 'pavise-1');
      assert.equal(payload.sub, session.user.id);
      assert.equal((await server.call('/v1/user', { token: session.accessToken })).status, 200);
    });
  });

  describe('generated key', () => {
    it('is generated once and kept: tokens survive a restart on the same database', async () => {
      const first = await startTestServer();
      const session = await first.signIn();
      const database = first.database;
      await first.pavise.close();
      const second = await startTestServer({}, database);
      try {
        const response = await second.call('/v1/user', { token: session.accessToken });
        assert.equal(response.status, 200);
        assert.equal(
          decodeJwt(session.accessToken)['https://hasura.io/jwt/claims']['x-hasura-user-id'],
          session.user.id,
        );
      } finally {
        await second.pavise.close();
        await database.drop();
      }
    });
  });
});
