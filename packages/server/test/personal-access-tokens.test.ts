import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { suiteServer } from './helpers/suite.js';

describe('/v1/pat', () => {
  const server = suiteServer();
  let accessToken: string;
  const inOneYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();
  before(async () => {
    accessToken = (await server.signIn()).accessToken;
  });

  it('creates a PAT, shown once as {id, personalAccessToken}, that signs in', async () => {
    const created = await server.call('/v1/pat', {
      token: accessToken,
      body: { expiresAt: inOneYear(), metadata: { name: 'ci' } },
    });
    assert.equal(created.status, 200);
    assert.deepEqual(Object.keys(created.body), ['id', 'personalAccessToken']);
    assert.match(created.body.personalAccessToken, /^pavise_pat_[0-9A-Za-z]{37}$/);
    const signIn = await server.call('/v1/signin/pat', {
      body: { personalAccessToken: created.body.personalAccessToken },
    });
    assert.equal(signIn.status, 200);
  });

  it('lists PATs with a hint, metadata and dates, never the token', async () => {
    const created = await server.call('/v1/pat', {
      token: accessToken,
      body: { expiresAt: inOneYear(), metadata: { name: 'listed' } },
    });
    await server.call('/v1/signin/pat', { body: { personalAccessToken: created.body.personalAccessToken } });
    const list = await server.call('/v1/pat', { token: accessToken });
    assert.equal(list.status, 200);
    const entry = list.body.find((p: { id: string }) => p.id === created.body.id);
    assert.deepEqual(Object.keys(entry), ['id', 'hint', 'metadata', 'createdAt', 'expiresAt', 'lastUsedAt']);
    assert.deepEqual(entry.metadata, { name: 'listed' });
    assert.ok(created.body.personalAccessToken.startsWith(entry.hint.slice(0, -1)));
    assert.ok(entry.hint.length < 20);
    assert.ok(entry.lastUsedAt, 'lastUsedAt is set after a sign-in');
    assert.ok(!list.text.includes(created.body.personalAccessToken));
  });

  it('revokes a PAT: it disappears from the list and no longer signs in', async () => {
    const created = await server.call('/v1/pat', { token: accessToken, body: { expiresAt: inOneYear() } });
    const revoke = await server.call(`/v1/pat/${created.body.id}`, { method: 'DELETE', token: accessToken });
    assert.equal(revoke.status, 200);
    assert.equal(revoke.text, '"OK"');
    const list = await server.call('/v1/pat', { token: accessToken });
    assert.ok(!list.body.some((p: { id: string }) => p.id === created.body.id));
    assert.equal(
      (await server.call('/v1/signin/pat', { body: { personalAccessToken: created.body.personalAccessToken } })).status,
      401,
    );
    // Revoking again, or an id that is not a UUID, is a 404.
    assert.equal(
      (await server.call(`/v1/pat/${created.body.id}`, { method: 'DELETE', token: accessToken })).status,
      404,
    );
    assert.equal((await server.call('/v1/pat/not-a-uuid', { method: 'DELETE', token: accessToken })).status, 404);
  });

  it("cannot see or revoke another user's PATs", async () => {
    const other = await server.call('/v1/signup/email-password', {
      body: { email: 'other@example.com', password: 'Correct-horse-battery-9' },
    });
    assert.equal(other.status, 200);
    const otherToken = other.body.session.accessToken;
    const mine = await server.call('/v1/pat', { token: accessToken, body: { expiresAt: inOneYear() } });
    assert.deepEqual((await server.call('/v1/pat', { token: otherToken })).body, []);
    const attempt = await server.call(`/v1/pat/${mine.body.id}`, { method: 'DELETE', token: otherToken });
    assert.equal(attempt.status, 404);
    assert.equal(
      (await server.call('/v1/signin/pat', { body: { personalAccessToken: mine.body.personalAccessToken } })).status,
      200,
    );
  });

  it('needs an access token', async () => {
    for (const [method, path] of [
      ['POST', '/v1/pat'],
      ['GET', '/v1/pat'],
      ['DELETE', '/v1/pat/00000000-0000-0000-0000-000000000000'],
    ]) {
      const response = await server.call(path!, {
        method,
        ...(method === 'POST' ? { body: { expiresAt: inOneYear() } } : {}),
      });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.body.error, 'unauthorized');
    }
    // A PAT is not an access token.
    const withPat = await server.call('/v1/pat', { token: server.bootstrap!.pat });
    assert.equal(withPat.status, 401);
  });

  it('rejects a missing, malformed or past expiresAt with 400', async () => {
    for (const body of [
      {},
      { expiresAt: 'tomorrow' },
      { expiresAt: '2020-01-01T00:00:00Z' },
      { expiresAt: inOneYear(), metadata: 'x' },
    ]) {
      const response = await server.call('/v1/pat', { token: accessToken, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error, 'invalid-request');
    }
  });
});
