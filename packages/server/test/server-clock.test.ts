import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ClockControl, serveClock, TestClock } from './helpers/clock.js';
import { decodeJwt } from './helpers/http.js';
import { type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite, suiteServer } from './helpers/suite.js';
import { assertError, vaultClient } from './helpers/vault.js';

/**
 * The server takes every time it decides by from the clock it is given. These tests run it on a
 * clock years away from the real time and move it: whatever the server decides follows that
 * clock, never the machine's.
 */

const DAY = 86_400_000;
/** Far from the real time, with milliseconds, so that nothing can pass by following the real clock. */
const START = Date.UTC(2031, 2, 4, 5, 6, 7, 890);
const TYPENAME = { body: { query: '{ __typename }' } };
/** 90 days: the tokens a test signs in with outlive the moves of the clock in it. */
const ACCESS_TOKEN_LIFETIME = 90 * 86_400;

describe('the server clock', () => {
  const clock = new TestClock(START);
  const server = forSuite(() =>
    startPrivacyServer({ PAVISE_ACCESS_TOKEN_EXPIRES_IN: String(ACCESS_TOKEN_LIFETIME) }, undefined, { clock }),
  );

  describe('access tokens', () => {
    it('are issued at the moved time, accepted until exp and refused with 401 from exp, by the clock', async () => {
      clock.set(START);
      const session = await server.signIn();
      const claims = decodeJwt(session.accessToken);
      assert.equal(claims.iat, Math.floor(START / 1000), 'iat is the server clock');
      assert.equal(claims.exp, claims.iat + ACCESS_TOKEN_LIFETIME, 'exp is iat + PAVISE_ACCESS_TOKEN_EXPIRES_IN');
      const expMs = claims.exp * 1000;
      const user = () => server.call('/v1/user', { token: session.accessToken });
      const graphql = () => server.call('/v1/graphql', { token: session.accessToken, ...TYPENAME });
      assert.equal((await user()).status, 200);

      clock.set(expMs - 1);
      assert.equal((await user()).status, 200, 'a millisecond before exp');
      assert.equal((await graphql()).status, 200, 'a millisecond before exp');

      clock.set(expMs);
      const expired = await user();
      assert.equal(expired.status, 401);
      assert.match(expired.body.message, /JWTExpired/);
      const refused = await graphql();
      assert.equal(refused.status, 401);
      assert.equal(refused.body.errors[0].extensions.code, 'invalid-jwt');
    });

    it('are checked against the clock on their first use too, not only once remembered', async () => {
      clock.set(START);
      const fresh = (await server.signIn()).accessToken;
      const stale = (await server.signIn()).accessToken;
      const expMs = decodeJwt(fresh).exp * 1000;
      clock.set(expMs - 1);
      assert.equal((await server.call('/v1/graphql', { token: fresh, ...TYPENAME })).status, 200);
      clock.set(expMs);
      const response = await server.call('/v1/graphql', { token: stale, ...TYPENAME });
      assert.equal(response.status, 401);
      assert.equal(response.body.errors[0].message, 'Could not verify JWT: JWTExpired');
    });
  });

  describe('personal access tokens', () => {
    it('must expire after the moved time, and expire at expiresAt by the clock: sign-in and vault alike', async () => {
      clock.set(START);
      const { accessToken } = await server.signIn();
      const createPat = (expiresAt: number) =>
        server.call('/v1/pat', { token: accessToken, body: { expiresAt: new Date(expiresAt).toISOString() } });
      const past = await createPat(Date.now() + DAY);
      assert.equal(past.status, 400, 'in the real future, but in the past of the server clock');
      assert.equal(past.body.error, 'invalid-request');
      assert.match(past.body.message, /expiresAt must be in the future/);

      const created = await createPat(START + DAY);
      assert.equal(created.status, 200, created.text);
      const pat: string = created.body.personalAccessToken;
      const signIn = () => server.call('/v1/signin/pat', { body: { personalAccessToken: pat } });
      const vault = vaultClient(server, pat);
      const listed = (await server.call('/v1/pat', { token: accessToken })).body.find(
        (entry: { id: string }) => entry.id === created.body.id,
      );
      assert.equal(listed.expiresAt, new Date(START + DAY).toISOString());

      clock.set(START + DAY - 1);
      assert.equal((await signIn()).status, 200, 'a millisecond before expiresAt');
      assert.equal((await vault.listProjects()).status, 200);

      clock.set(START + DAY);
      const refused = await signIn();
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid-pat');
      assertError(await vault.listProjects(), 401);
    });
  });

  describe('service-account keys', () => {
    it('count expiresInDays from the moved time, and stop working then', async () => {
      clock.set(START);
      const owner = vaultClient(server, server.bootstrap!.pat);
      const project = await owner.createProject('Clocked');
      const account = await owner.createServiceAccount(project.id, { name: 'ci', permissions: ['read:secrets'] });
      assert.equal(account.status, 201, account.text);
      const issued = await owner.createKey(project.id, account.body.id, { expiresInDays: 2 });
      assert.equal(issued.status, 201, issued.text);
      assert.equal(issued.body.expiresAt, new Date(START + 2 * DAY).toISOString());
      const asKey = vaultClient(server, issued.body.key, 'api-key');

      clock.set(START + 2 * DAY - 1);
      assert.equal((await asKey.read(project.id, 'production')).status, 200, 'a millisecond before expiry');
      clock.set(START + 2 * DAY);
      assertError(await asKey.read(project.id, 'production'), 401);
    });
  });

  describe('rights requests', () => {
    let controllerId: string;
    let owner: Member;
    let subjectId: string;
    const REQUEST = `query($id: uuid!) {
      dataSubjectsRightsRequest(id: $id) {
        createdAt dueAt completedAt events(order_by: [{createdAt: asc}, {id: asc}]) { toStatus createdAt }
      }
    }`;
    const SET_STATUS = `mutation($id: uuid!, $status: String!) {
      updateDataSubjectsRightsRequest(pk_columns: {id: $id}, _set: {status: $status}) { id }
    }`;
    const report = async () =>
      (
        await server.gqlField(
          'query($id: uuid!) { reportDataSubjectsRightsRequests(dataControllerId: $id) { data } }',
          { id: controllerId },
          { token: owner.token },
        )
      ).data;
    const read = async (id: string) => await server.gqlField(REQUEST, { id }, { token: owner.token });

    before(async () => {
      clock.set(START);
      ({ controllerId, owner } = await server.newController('Clock Org'));
      subjectId = await server.createSubject({ token: owner.token }, controllerId, {
        email: 'clocked@example.com',
        country: 'DE',
      });
    });

    it('are filed at the moved time and due 30 days (GDPR) after it; the report counts by the clock', async () => {
      clock.set(START);
      const submitted = await server.gql(
        `mutation($input: SubmitDataSubjectsRightsRequestInput!) {
          submitDataSubjectsRightsRequest(input: $input) { data { requestId dueAt } }
        }`,
        { input: { dataControllerId: controllerId, requestType: 'access', email: 'form@example.com', country: 'DE' } },
      );
      assert.ok(!submitted.body.errors, submitted.text);
      const answer = submitted.body.data.submitDataSubjectsRightsRequest.data;
      assert.equal(Date.parse(answer.dueAt), START + 30 * DAY, 'the answered deadline');
      const filed = await read(answer.requestId);
      assert.equal(Date.parse(filed.createdAt), START);
      assert.equal(Date.parse(filed.dueAt), START + 30 * DAY);
      const event = Date.parse(filed.events[0].createdAt);
      assert.ok(event >= START && event < START + 60_000, `the submission event is on the clock: ${event - START} ms`);

      // A member recording one through GraphQL: the column default and the trigger read the clock.
      clock.set(START + DAY);
      const inserted = await server.gqlField(
        'mutation($s: uuid!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "erasure"}) { id createdAt dueAt } }',
        { s: subjectId },
        { token: owner.token },
      );
      assert.equal(Date.parse(inserted.createdAt), START + DAY);
      assert.equal(Date.parse(inserted.dueAt), START + 31 * DAY);

      assert.equal((await report()).overdue, 0);
      clock.set(START + 25 * DAY);
      assert.equal((await report()).dueWithin7Days, 2, 'both are due within a week of the moved time');
      clock.set(START + 30 * DAY);
      const onTheDay = await report();
      assert.deepEqual([onTheDay.overdue, onTheDay.dueWithin7Days], [0, 2], 'due at, not before, START + 30 days');
      clock.set(START + 30 * DAY + 1);
      const afterIt = await report();
      assert.deepEqual([afterIt.overdue, afterIt.dueWithin7Days], [1, 1]);
    });

    it('record transitions and completion at the moved time', async () => {
      clock.set(START);
      const { id } = await server.gqlField(
        'mutation($s: uuid!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "access"}) { id } }',
        { s: subjectId },
        { token: owner.token },
      );
      for (const [status, day] of [
        ['identityVerified', 1],
        ['inProgress', 2],
        ['completed', 3],
      ] as const) {
        clock.set(START + day * DAY);
        await server.gqlData(SET_STATUS, { id, status }, { token: owner.token });
      }
      const request = await read(id);
      assert.equal(Date.parse(request.completedAt), START + 3 * DAY);
      assert.deepEqual(
        request.events.map((e: { toStatus: string; createdAt: string }) => [
          e.toStatus,
          Math.floor((Date.parse(e.createdAt) - START) / DAY),
        ]),
        [
          ['submitted', 0],
          ['identityVerified', 1],
          ['inProgress', 2],
          ['completed', 3],
        ],
      );
      clock.set(START + 3 * DAY + 29 * DAY);
      const completed = (await report()).completedLast30Days;
      clock.set(START + 3 * DAY + 31 * DAY);
      assert.equal((await report()).completedLast30Days, completed - 1, 'no longer within the last 30 days');
    });
  });

  describe('moved from outside the process (serveClock)', () => {
    let control: ClockControl;
    before(async () => {
      control = await serveClock(clock);
    });
    after(() => control.close());

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${control.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { now?: number; error?: string } };
    };

    it('reads, sets and advances the clock over HTTP, and the server follows', async () => {
      assert.deepEqual(await post('/set', { now: new Date(START).toISOString() }), {
        status: 200,
        body: { now: START },
      });
      assert.deepEqual(await post('/advance', { ms: 1_500 }), { status: 200, body: { now: START + 1_500 } });
      assert.deepEqual(await (await fetch(control.url)).json(), { now: START + 1_500 });
      assert.equal(clock.now(), START + 1_500);

      const session = await server.signIn();
      const exp: number = decodeJwt(session.accessToken).exp;
      assert.equal((await post('/set', { now: exp * 1000 })).status, 200);
      assert.equal((await server.call('/v1/user', { token: session.accessToken })).status, 401);
    });

    it('refuses what it does not understand, leaving the clock as it was', async () => {
      clock.set(START);
      assert.equal((await post('/advance', { ms: 'soon' })).status, 400);
      assert.equal((await post('/set', { now: 'not a date' })).status, 400);
      assert.equal((await post('/elsewhere', {})).status, 404);
      assert.equal(clock.now(), START);
    });
  });
});

describe('the vault rate limit on the server clock', () => {
  const clock = new TestClock(START);
  const server = suiteServer({ PAVISE_RATE_LIMIT_VAULT: '2/60' }, { clock });

  it('counts its window on the clock: X-RateLimit-Reset, 429 with Retry-After, allowed again once it has passed', async () => {
    const vault = vaultClient(server, server.bootstrap!.pat);
    const first = await vault.listProjects();
    assert.equal(first.status, 200);
    const windowEnd = Math.ceil(START / 60_000) * 60;
    assert.equal(Number(first.headers.get('x-ratelimit-reset')), windowEnd, 'the end of the window, by the clock');
    assert.equal((await vault.listProjects()).status, 200);
    const limited = await vault.listProjects();
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 120, `Retry-After: ${retryAfter}`);
    clock.advance(retryAfter * 1000 - 1_000);
    // Refused requests count too, so this one pushes the allowance a little further out.
    const early = await vault.listProjects();
    assert.equal(early.status, 429, 'a second before Retry-After');
    clock.advance(Number(early.headers.get('retry-after')) * 1000);
    assert.equal((await vault.listProjects()).status, 200, 'once the Retry-After it answered has passed');
  });
});
