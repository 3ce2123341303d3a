import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/config.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import type { CounterStore } from '../src/rate-limit/limiter.js';
import { RedisCounterStore } from '../src/rate-limit/redis-store.js';
import { RateLimitedError, SignInLimiter } from '../src/rate-limit/signin-limiter.js';
import { SqlCounterStore } from '../src/rate-limit/sql-store.js';
import { TestClock } from './helpers/clock.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { REDIS_URL, unless } from './helpers/requirements.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { suiteServer } from './helpers/suite.js';

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('sign-in rate limits over HTTP', () => {
  const clock = new TestClock();
  // Trusting X-Forwarded-For lets one test act as several client addresses.
  const server = suiteServer({ PAVISE_TRUST_PROXY: 'true' }, { clock });

  it('stops brute force from one IP with 429 and Retry-After, sparing other IPs', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await server.call('/v1/signin/pat', {
        headers: from('203.0.113.7'),
        body: { personalAccessToken: generateToken('pat') },
      });
      statuses.push(response.status);
    }
    // The default allows 10 failures per 5 minutes.
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    const limited = await server.call('/v1/signin/pat', {
      headers: from('203.0.113.7'),
      body: { personalAccessToken: server.bootstrap!.pat },
    });
    assert.equal(limited.status, 429, 'even a valid PAT waits: the limit is on the address');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 600, `Retry-After: ${retryAfter}`);
    assert.deepEqual(Object.keys(limited.body), ['status', 'error', 'message']);
    assert.equal(limited.body.error, 'too-many-requests');
    // The same attack on password sign-in is counted in the same bucket.
    const password = await server.call('/v1/signin/email-password', {
      headers: from('203.0.113.7'),
      body: { email: 'admin@localhost', password: 'guess' },
    });
    assert.equal(password.status, 429);

    const elsewhere = await server.call('/v1/signin/pat', {
      headers: from('198.51.100.1'),
      body: { personalAccessToken: server.bootstrap!.pat },
    });
    assert.equal(elsewhere.status, 200);
  });

  it('lets the address back in once Retry-After has passed on the server clock, and not before', async () => {
    const ip = '203.0.113.99';
    const signIn = (personalAccessToken: string) =>
      server.call('/v1/signin/pat', { headers: from(ip), body: { personalAccessToken } });
    for (let i = 0; i < 10; i++) assert.equal((await signIn(generateToken('pat'))).status, 401);
    const limited = await signIn(server.bootstrap!.pat);
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    clock.advance(retryAfter * 1000 - 1_000);
    assert.equal((await signIn(server.bootstrap!.pat)).status, 429, 'a second before Retry-After');
    clock.advance(1_000);
    assert.equal((await signIn(server.bootstrap!.pat)).status, 200, 'at Retry-After');
  });

  it('never counts successful sign-ins against the address', async () => {
    for (let i = 0; i < 25; i++) {
      const response = await server.call('/v1/signin/pat', {
        headers: from('192.0.2.50'),
        body: { personalAccessToken: server.bootstrap!.pat },
      });
      assert.equal(response.status, 200, `sign-in ${i + 1}`);
    }
  });
});

describe('per-credential limit over HTTP', () => {
  const server = suiteServer({ PAVISE_TRUST_PROXY: 'true', PAVISE_RATE_LIMIT_PER_CREDENTIAL: '3/60' });

  it('limits one PAT presented from many addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await server.call('/v1/signin/pat', {
        headers: from(`198.51.100.${i + 1}`),
        body: { personalAccessToken: server.bootstrap!.pat },
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });
});

describe('anonymous GraphQL and REST requests, per client IP', () => {
  const server = suiteServer({ PAVISE_TRUST_PROXY: 'true', PAVISE_RATE_LIMIT_ANONYMOUS: '3/60' });
  const query = { query: '{ __typename }' };

  it('answers the fourth anonymous request of an IP with 429 and Retry-After, in each API’s shape', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await server.call('/v1/graphql', { headers: from('203.0.113.7'), body: query })).status);
    const graphql = await server.call('/v1/graphql', { headers: from('203.0.113.7'), body: query });
    const rest = await server.call(
      '/api/rest/getprivacynotices?dataControllerId=00000000-0000-4000-8000-000000000001',
      {
        headers: from('203.0.113.7'),
      },
    );
    assert.deepEqual(statuses, [200, 200, 200]);
    assert.equal(graphql.status, 429);
    assert.ok(Number(graphql.headers.get('retry-after')) > 0);
    assert.equal(graphql.body.errors[0].extensions.code, 'too-many-requests');
    assert.equal(rest.status, 429);
    assert.equal(rest.body.errors[0].extensions.code, 'too-many-requests');
    // Another address has its own count; a signed-in caller is not counted as anonymous at all.
    assert.equal((await server.call('/v1/graphql', { headers: from('203.0.113.8'), body: query })).status, 200);
    const session = await server.signIn();
    for (let i = 0; i < 4; i++) {
      const signedIn = await server.call('/v1/graphql', {
        headers: from('203.0.113.7'),
        token: session.accessToken,
        body: query,
      });
      assert.equal(signedIn.status, 200);
    }
  });
});

describe('PAVISE_RATE_LIMIT=false', () => {
  const server = suiteServer({ PAVISE_RATE_LIMIT: 'false' });

  it('lets every attempt through', async () => {
    for (let i = 0; i < 15; i++) {
      const response = await server.call('/v1/signin/pat', { body: { personalAccessToken: generateToken('pat') } });
      assert.equal(response.status, 401);
    }
  });
});

/**
 * Servers started with REDIS_URL count in Redis: failures seen by one server limit the same
 * client at another (each on a database of its own, so only Redis is shared).
 */
describe('sign-in rate limits over HTTP with REDIS_URL: shared by every server', {
  skip: await unless('redis'),
}, () => {
  let first: TestServer;
  let second: TestServer;
  before(async () => {
    const env = { PAVISE_TRUST_PROXY: 'true', REDIS_URL };
    first = await startTestServer(env);
    second = await startTestServer(env);
  });
  after(() => Promise.all([first?.close(), second?.close()]));

  it('counts failures at one server against the client at the other', async () => {
    // Redis outlives the test run: a client address of this run only.
    const address = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    const ip = address();
    const failAt = (server: TestServer) =>
      server.call('/v1/signin/pat', { headers: from(ip), body: { personalAccessToken: generateToken('pat') } });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await failAt(i % 2 === 0 ? first : second)).status);
    assert.deepEqual(statuses, Array(10).fill(401), 'ten failures, five at each server');
    const limited = await failAt(second);
    assert.equal(limited.status, 429, limited.text);
    assert.equal((await failAt(first)).status, 429);
    // Another client is not limited at either.
    const other = await first.call('/v1/signin/pat', {
      headers: from(address()),
      body: { personalAccessToken: generateToken('pat') },
    });
    assert.equal(other.status, 401);
  });
});

/**
 * The limiter with a simulated clock against the real counter stores: what a day of traffic
 * looks like, without waiting a day.
 */
for (const storeKind of ['database', 'redis'] as const) {
  const skip = storeKind === 'redis' ? await unless('redis') : false;
  describe(`sign-in limiter over time (${storeKind} counters)`, { skip }, () => {
    let database: TestDatabase;
    let db: Database;
    let store: CounterStore;
    const clock = new TestClock(Date.UTC(2026, 10, 23, 9, 0, 0));
    const limits = {
      enabled: true,
      ipFailures: { limit: 10, windowSeconds: 300 },
      perCredential: { limit: 60, windowSeconds: 300 },
    };
    const admitted = (limiter: SignInLimiter, ip: string, credential: string) =>
      limiter.admit(ip, credential).then(
        () => true,
        (error) => {
          if (error instanceof RateLimitedError) return false;
          throw error;
        },
      );

    before(async () => {
      database = await createTestDatabase();
      db = await openDatabase(loadConfig({ ...database.env }));
      await migrate(db);
      store = storeKind === 'redis' ? new RedisCounterStore(REDIS_URL) : new SqlCounterStore(db);
    });
    after(async () => {
      await store.close();
      await db.close();
      await database.drop();
    });

    it('never limits an automation that signs in once an hour, even while its address is attacked', async () => {
      const run = `${storeKind}-${Math.random()}`;
      const limiter = new SignInLimiter(store, limits, clock);
      const automation = `pat:automation-${run}`;
      for (let hour = 0; hour < 48; hour++) {
        // A burst of failures from an attacker elsewhere, and a few from the automation's own
        // address (a mistyped token in a neighbouring job), below the brute-force limit.
        for (let i = 0; i < 30; i++) {
          if (await admitted(limiter, `attacker-${run}`, `pat:guess-${hour}-${i}`))
            await limiter.recordFailure(`attacker-${run}`);
        }
        for (let i = 0; i < 3; i++) await limiter.recordFailure(`automation-ip-${run}`);
        clock.advance(3_599_000);
        assert.equal(await admitted(limiter, `automation-ip-${run}`, automation), true, `hour ${hour}`);
        clock.advance(1_000);
      }
    });

    it('limits failures per address within the window and lets the address back in after Retry-After', async () => {
      const run = `${storeKind}-${Math.random()}`;
      const limiter = new SignInLimiter(store, limits, clock);
      for (let i = 0; i < 10; i++) {
        assert.equal(await admitted(limiter, `ip-${run}`, `pat:x-${i}`), true);
        await limiter.recordFailure(`ip-${run}`);
        clock.advance(1_000);
      }
      const refusal = await limiter.admit(`ip-${run}`, 'pat:x-final').catch((error: unknown) => error);
      assert.ok(refusal instanceof RateLimitedError);
      clock.advance(refusal.retryAfter * 1000);
      assert.equal(await admitted(limiter, `ip-${run}`, 'pat:x-after'), true, 'allowed again after Retry-After');
    });
  });
}
