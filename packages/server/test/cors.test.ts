import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { TestClock } from './helpers/clock.js';
import { assertAuthError, graphqlError, type Response } from './helpers/http.js';
import { type OriginSite, startOriginSite } from './helpers/origin-site.js';
import { verifiedSite } from './helpers/origins.js';
import {
  ADMIN_SECRET,
  admin,
  type Caller,
  type Member,
  type PrivacyServer,
  startPrivacyServer,
} from './helpers/privacy.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';

/**
 * Cross-origin access (docs/contracts.md §1.1): once a controller has verified a web origin
 * (origin-verification.test.ts), browsers on it may call the public surfaces, anonymously or with
 * a data subject's session of that controller, but not with a dashboard session; and the security
 * headers of every answer (§1). Customers' websites are local HTTP servers (helpers/origin-site.ts).
 */

const JWT_KEY = 'cors-test-hs256-key-0123456789abcdefghijklmnopqrstuvwxyz';
const DASHBOARD = 'http://dashboard.test:3000';

describe('cross-origin requests (CORS)', () => {
  const clock = new TestClock();
  let server: PrivacyServer;
  let smtp: TestSmtpServer;
  /** Controller A's website (verified by the file method), B's, and one nobody verified. */
  let siteA: OriginSite;
  let siteB: OriginSite;
  let stranger: OriginSite;
  let A: { controllerId: string; owner: Member; subjectId: string };
  let B: { controllerId: string; owner: Member; subjectId: string };

  /** A data subject's session as the Transparency Center will issue it: an access token with its controller and id. */
  const subjectToken = async (controllerId: string, subjectId: string) => {
    const iat = Math.floor(clock.now() / 1000);
    return new SignJWT({
      'https://hasura.io/jwt/claims': {
        'x-hasura-allowed-roles': ['dataSubject'],
        'x-hasura-default-role': 'dataSubject',
        'x-hasura-user-id': subjectId,
        'x-hasura-data-controller-id': controllerId,
        'x-hasura-data-subject-id': subjectId,
      },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subjectId)
      .setIssuer('pavise')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(new TextEncoder().encode(JWT_KEY));
  };

  /** A GraphQL request from a page on `origin` (undefined: no Origin header, like curl). */
  const gqlFrom = (
    origin: string | undefined,
    query: string,
    variables: Record<string, unknown>,
    caller: Caller = {},
  ) =>
    server.call('/v1/graphql', {
      body: { query, variables },
      token: caller.token,
      headers: { ...caller.headers, ...(origin ? { origin } : {}) },
    });
  const preflight = (origin: string, path = '/v1/graphql', method = 'POST') =>
    server.call(path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type',
      },
    });
  const assertAllowedOrigin = (response: Response, origin: string) => {
    assert.equal(response.headers.get('access-control-allow-origin'), origin, response.text);
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
  };
  const rightsRequestCount = async (controllerId: string) =>
    (
      await server.gqlData(
        'query($c: uuid!) { dataSubjectsRightsRequestsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
        { c: controllerId },
        admin,
      )
    ).dataSubjectsRightsRequestsAggregate.aggregate.count;
  const SUBMIT = `mutation($input: SubmitDataSubjectsRightsRequestInput!) { submitDataSubjectsRightsRequest(input: $input) { status } }`;
  const submission = (controllerId: string) => ({
    input: { dataControllerId: controllerId, requestType: 'access', email: 'visitor@example.com', country: 'DE' },
  });

  before(async () => {
    smtp = await startSmtpServer();
    server = await startPrivacyServer(
      {
        PAVISE_JWT_SECRET: JSON.stringify({ type: 'HS256', key: JWT_KEY }),
        PAVISE_CORS_ORIGINS: `${DASHBOARD}, https://second-dashboard.test`,
        PAVISE_SMTP_URL: smtp.url,
      },
      undefined,
      { clock },
    );
    [siteA, siteB, stranger] = await Promise.all([startOriginSite(), startOriginSite(), startOriginSite()]);
    const a = await server.newController('Controller A');
    const b = await server.newController('Controller B');
    A = {
      ...a,
      subjectId: await server.createSubject({ token: a.owner.token }, a.controllerId, {
        email: 'subject-a@example.com',
      }),
    };
    B = {
      ...b,
      subjectId: await server.createSubject({ token: b.owner.token }, b.controllerId, {
        email: 'subject-b@example.com',
      }),
    };
    await verifiedSite(server, A.owner, A.controllerId, siteA);
    await verifiedSite(server, B.owner, B.controllerId, siteB);
  });
  after(async () => {
    await server?.close();
    await Promise.all([siteA?.close(), siteB?.close(), stranger?.close(), smtp?.close()]);
  });

  describe('CORS on the public surfaces', () => {
    it('a preflight from a verified origin is answered with the allowed headers, cached, varying by Origin', async () => {
      const response = await preflight(siteA.origin);
      assert.equal(response.status, 204);
      assertAllowedOrigin(response, siteA.origin);
      const allowed = response.headers.get('access-control-allow-headers')!.split(/,\s*/);
      for (const name of ['authorization', 'content-type', 'x-hasura-role']) assert.ok(allowed.includes(name), name);
      assert.match(response.headers.get('access-control-allow-methods')!, /POST/);
      assert.equal(response.headers.get('access-control-max-age'), '600');
      assert.match(response.headers.get('vary') ?? '', /origin/i);
      // The REST endpoints and the widget's auth routes too.
      assertAllowedOrigin(await preflight(siteA.origin, '/api/rest/getDataControllerFaqs', 'GET'), siteA.origin);
      assertAllowedOrigin(await preflight(siteA.origin, '/v1/token'), siteA.origin);
    });

    it('a preflight from an unverified origin, or to a route outside the public surfaces, allows nothing', async () => {
      for (const response of [await preflight(stranger.origin), await preflight(siteA.origin, '/api/project', 'GET')]) {
        assert.notEqual(response.status, 204, response.text);
        assert.equal(response.headers.get('access-control-allow-origin'), null);
      }
    });

    it('an anonymous query and mutation from a verified origin succeed, with Access-Control-Allow-Origin', async () => {
      const query = await gqlFrom(siteA.origin, '{ privacyNotices { id } }', {});
      assert.equal(query.status, 200, query.text);
      assert.ok(query.body.data, query.text);
      assertAllowedOrigin(query, siteA.origin);
      const before = await rightsRequestCount(A.controllerId);
      const mutation = await gqlFrom(siteA.origin, SUBMIT, submission(A.controllerId));
      assert.equal(mutation.body.data?.submitDataSubjectsRightsRequest?.status, 'success', mutation.text);
      assertAllowedOrigin(mutation, siteA.origin);
      assert.equal(await rightsRequestCount(A.controllerId), before + 1);
    });

    it('from an unverified origin: no Access-Control-Allow-Origin, and a mutation is refused and changes nothing', async () => {
      const before = await rightsRequestCount(A.controllerId);
      const response = await gqlFrom(stranger.origin, SUBMIT, submission(A.controllerId));
      assert.equal(response.status, 403, response.text);
      assert.deepEqual(
        response.body,
        graphqlError(
          `Requests from ${stranger.origin} are not allowed: no data controller has verified this origin`,
          'access-denied',
        ),
      );
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal(await rightsRequestCount(A.controllerId), before);
      // The same request without Origin (a server, curl) is not a browser's: it runs.
      const direct = await gqlFrom(undefined, SUBMIT, submission(A.controllerId));
      assert.equal(direct.body.data?.submitDataSubjectsRightsRequest?.status, 'success', direct.text);
    });

    it("a data subject's session works from its controller's verified origin, not from another controller's", async () => {
      const tokenA = await subjectToken(A.controllerId, A.subjectId);
      const own = await gqlFrom(siteA.origin, '{ dataSubjects { id } }', {}, { token: tokenA });
      assert.equal(own.status, 200, own.text);
      assert.deepEqual(own.body, { data: { dataSubjects: [{ id: A.subjectId }] } });
      assertAllowedOrigin(own, siteA.origin);
      const tokenB = await subjectToken(B.controllerId, B.subjectId);
      const foreign = await gqlFrom(siteA.origin, '{ dataSubjects { id } }', {}, { token: tokenB });
      assert.equal(foreign.status, 403, foreign.text);
      assert.equal(foreign.body.errors[0].extensions.code, 'access-denied');
      assert.match(foreign.body.errors[0].message, /only from an origin its data controller has verified/);
      const fromB = await gqlFrom(siteB.origin, '{ dataSubjects { id } }', {}, { token: tokenB });
      assert.deepEqual(fromB.body, { data: { dataSubjects: [{ id: B.subjectId }] } });
    });

    it('a dashboard session (user token, admin secret) is refused from a verified origin, and its mutation changes nothing', async () => {
      const rename =
        'mutation($c: uuid!) { updateDataController(pk_columns: {id: $c}, _set: {description: "changed from a widget"}) { id } }';
      const asUser = await gqlFrom(siteA.origin, rename, { c: A.controllerId }, { token: A.owner.token });
      assert.equal(asUser.status, 403, asUser.text);
      assert.deepEqual(
        asUser.body,
        graphqlError(
          `This session may be used only from the server's own origin or one listed in PAVISE_CORS_ORIGINS, not from ${siteA.origin}`,
          'access-denied',
        ),
      );
      const asAdmin = await gqlFrom(
        siteA.origin,
        rename,
        { c: A.controllerId },
        {
          headers: { 'x-hasura-admin-secret': ADMIN_SECRET, 'x-hasura-role': 'dataSubject' },
        },
      );
      assert.equal(asAdmin.status, 403, asAdmin.text);
      const { dataController } = await server.gqlData(
        'query($c: uuid!) { dataController(id: $c) { description } }',
        { c: A.controllerId },
        admin,
      );
      assert.notEqual(dataController.description, 'changed from a widget');
    });

    it("a dashboard session works from PAVISE_CORS_ORIGINS and from the server's own origin", async () => {
      for (const origin of [DASHBOARD, 'https://second-dashboard.test', server.url]) {
        const response = await gqlFrom(origin, '{ dataControllers { id } }', {}, { token: A.owner.token });
        assert.equal(response.status, 200, `${origin}: ${response.text}`);
        assert.deepEqual(response.body.data.dataControllers, [{ id: A.controllerId }]);
        assertAllowedOrigin(response, origin);
      }
      const dashboardPreflight = await preflight(DASHBOARD, '/api/project', 'GET');
      assert.equal(dashboardPreflight.status, 204);
      assertAllowedOrigin(dashboardPreflight, DASHBOARD);
    });

    it('the REST endpoints follow the same rules, refusing in the GraphQL envelope', async () => {
      const path = `/api/rest/getDataControllerFaqs?dataControllerId=${A.controllerId}`;
      const verified = await server.call(path, { headers: { origin: siteA.origin } });
      assert.equal(verified.status, 200, verified.text);
      assertAllowedOrigin(verified, siteA.origin);
      const unverified = await server.call(path, { headers: { origin: stranger.origin } });
      assert.equal(unverified.status, 403, unverified.text);
      assert.equal(unverified.body.errors[0].extensions.code, 'access-denied');
      const asUser = await server.call(path, { headers: { origin: siteA.origin }, token: A.owner.token });
      assert.equal(asUser.status, 403, asUser.text);
    });

    it("the widget's auth routes refuse an account's session from a verified origin, changing nothing", async () => {
      const session = (
        await server.call('/v1/signin/email-password', {
          body: { email: A.owner.email, password: A.owner.password },
        })
      ).body.session;
      const user = await server.call('/v1/user', { token: session.accessToken, headers: { origin: siteA.origin } });
      assertAuthError(
        user,
        403,
        'forbidden-origin',
        `This session may be used only from the server's own origin or one listed in PAVISE_CORS_ORIGINS, not from ${siteA.origin}`,
      );
      assertAllowedOrigin(user, siteA.origin);
      const refresh = await server.call('/v1/token', {
        body: { refreshToken: session.refreshToken },
        headers: { origin: siteA.origin },
      });
      assert.equal(refresh.status, 403, refresh.text);
      assert.equal(refresh.body.error, 'forbidden-origin');
      // The refused refresh did not rotate the token: it still refreshes, from the dashboard.
      const fromDashboard = await server.call('/v1/token', {
        body: { refreshToken: session.refreshToken },
        headers: { origin: DASHBOARD },
      });
      assert.equal(fromDashboard.status, 200, fromDashboard.text);
      assertAllowedOrigin(fromDashboard, DASHBOARD);
      // A data subject's token passes the origin check of its controller's site, not another's.
      const subject = await server.call('/v1/user', {
        token: await subjectToken(A.controllerId, A.subjectId),
        headers: { origin: siteA.origin },
      });
      assert.equal(subject.status, 200, subject.text);
      const subjectElsewhere = await server.call('/v1/user', {
        token: await subjectToken(A.controllerId, A.subjectId),
        headers: { origin: siteB.origin },
      });
      assert.equal(subjectElsewhere.body.error, 'forbidden-origin', subjectElsewhere.text);
    });

    it("a data subject's real session (magic link) is used from its controller's site only, and a refusal rotates nothing", async () => {
      // Asking for a link is anonymous: from a verified origin, not from a stranger's.
      const ask = (origin: string) =>
        server.call('/v1/signin/passwordless/email', {
          body: { email: 'subject-a@example.com', options: { dataControllerId: A.controllerId } },
          headers: { origin },
        });
      const refused = await ask(stranger.origin);
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.error, 'forbidden-origin');
      const asked = await ask(siteA.origin);
      assert.equal(asked.status, 200, asked.text);
      assertAllowedOrigin(asked, siteA.origin);
      const mail = await smtp.next('subject-a@example.com');
      // (The controllers' owners were mailed too, when they signed up: their verification links.)
      const toSubject = smtp.received.filter((received) => received.to.includes('subject-a@example.com'));
      assert.equal(toSubject.length, 1, 'the refused request sent no mail');
      const link = mail.links.find((url: string) => url.includes('/v1/verify'))!;
      const followed = await fetch(link, { redirect: 'manual' });
      const refreshToken = new URL(followed.headers.get('location')!).searchParams.get('refreshToken')!;

      const refresh = (origin: string, token: string) =>
        server.call('/v1/token', { body: { refreshToken: token }, headers: { origin } });
      const elsewhere = await refresh(siteB.origin, refreshToken);
      assertAuthError(
        elsewhere,
        403,
        'forbidden-origin',
        `A data subject's session may be used only from an origin its data controller has verified, not from ${siteB.origin}`,
      );
      const session = await refresh(siteA.origin, refreshToken);
      assert.equal(session.status, 200, session.text);
      assertAllowedOrigin(session, siteA.origin);
      const user = await server.call('/v1/user', {
        token: session.body.accessToken,
        headers: { origin: siteA.origin },
      });
      assert.equal(user.status, 200, user.text);
      const own = await gqlFrom(siteA.origin, '{ dataSubjects { id } }', {}, { token: session.body.accessToken });
      assert.deepEqual(own.body, { data: { dataSubjects: [{ id: A.subjectId }] } });
      const signOut = await server.call('/v1/signout', {
        body: { refreshToken: session.body.refreshToken },
        headers: { origin: siteA.origin },
      });
      assert.equal(signOut.status, 200, signOut.text);
      assert.equal((await refresh(siteA.origin, session.body.refreshToken)).status, 401);
    });

    it("a subject's magic link may lead back to its own controller's verified site, not to another controller's", async () => {
      const ask = (redirectTo: string) =>
        server.call('/v1/signin/passwordless/email', {
          body: { email: 'subject-a@example.com', options: { dataControllerId: A.controllerId, redirectTo } },
        });
      const toOther = await ask(`${siteB.origin}/privacy`);
      assertAuthError(toOther, 400, 'redirectTo-not-allowed', 'The value of "options.redirectTo" is not allowed.');
      const toStranger = await ask(`${stranger.origin}/privacy`);
      assert.equal(toStranger.status, 400);
      const home = await ask(`${siteA.origin}/privacy`);
      assert.equal(home.status, 200, home.text);
      const link = (await smtp.next('subject-a@example.com')).links.find((url: string) => url.includes('/v1/verify'))!;
      const followed = await fetch(link, { redirect: 'manual' });
      assert.equal(new URL(followed.headers.get('location')!).origin, siteA.origin);
    });

    it('a removed origin stops working once the cached answer expires, 30 s on the clock', async () => {
      const site = await startOriginSite();
      try {
        const row = await verifiedSite(server, A.owner, A.controllerId, site);
        assertAllowedOrigin(await gqlFrom(site.origin, '{ privacyNotices { id } }', {}), site.origin);
        await server.gqlData(
          'mutation($id: uuid!) { deleteDataControllerOrigin(id: $id) { id } }',
          { id: row.id },
          { token: A.owner.token },
        );
        clock.advance(29_000);
        assertAllowedOrigin(await gqlFrom(site.origin, '{ privacyNotices { id } }', {}), site.origin);
        clock.advance(1_001);
        const after = await gqlFrom(site.origin, '{ privacyNotices { id } }', {});
        assert.equal(after.status, 403, after.text);
        assert.equal(after.headers.get('access-control-allow-origin'), null);
      } finally {
        await site.close();
      }
    });
  });
});

describe('the public URL as the origin of the server itself', () => {
  let server: PrivacyServer;
  before(async () => {
    server = await startPrivacyServer({ PAVISE_PUBLIC_URL: 'https://pavise.example.com/base' });
  });
  after(() => server?.close());

  it('trusts the origin of PAVISE_PUBLIC_URL with any session, as the server behind a proxy is reached', async () => {
    const { owner } = await server.newController('Behind a proxy');
    const call = (origin: string) =>
      server.call('/v1/graphql', {
        body: { query: '{ dataControllers { id } }' },
        token: owner.token,
        headers: { origin },
      });
    const fromPublic = await call('https://pavise.example.com');
    assert.equal(fromPublic.status, 200, fromPublic.text);
    assert.equal(fromPublic.headers.get('access-control-allow-origin'), 'https://pavise.example.com');
    assert.equal((await call('https://other.example.com')).status, 403);
  });
});
