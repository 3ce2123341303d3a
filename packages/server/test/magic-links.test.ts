import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertAuthError, decodeJwt } from './helpers/http.js';
import { admin, type Caller, insertConsentForm, insertPurpose, startPrivacyServer } from './helpers/privacy.js';
import { TestClock } from './helpers/server.js';
import { startSmtpServer } from './helpers/smtp.js';
import { forSuite } from './helpers/suite.js';

/**
 * Magic links (docs/contracts.md §3.8): an account or a data subject asks for a link, the mail
 * arrives at a real SMTP server, the link redirects with a refresh token, and the refresh token
 * yields a session. A data subject's session sees its own data and nothing of anyone else's.
 */

const REDIRECT = 'https://privacy.shop.example';
const MINUTE = 60_000;

/** Follows a mailed link without following its redirect: the Location and the refresh token in it. */
async function follow(link: string): Promise<{ status: number; location: URL | undefined; body: any }> {
  const response = await fetch(link, { redirect: 'manual' });
  const location = response.headers.get('location');
  const text = await response.text();
  return {
    status: response.status,
    location: location ? new URL(location) : undefined,
    body: text ? JSON.parse(text) : undefined,
  };
}

describe('magic links', () => {
  const smtp = forSuite(startSmtpServer);
  const clock = new TestClock();
  const server = forSuite(async () =>
    startPrivacyServer(
      {
        PAVISE_SMTP_URL: smtp.url,
        PAVISE_REDIRECT_ORIGINS: REDIRECT,
        PAVISE_MAIL_FROM: 'Privacy <privacy@pavise.test>',
        // This suite sends more mail from one client than the default limit lets through.
        PAVISE_RATE_LIMIT_MAIL: '1000/3600',
      },
      undefined,
      { clock },
    ),
  );

  const ask = (email: string, options: Record<string, unknown> = {}) =>
    server.call('/v1/signin/passwordless/email', { body: { email, options } });

  /** A link's refresh token exchanged for a session (POST /v1/token, as a client does next). */
  const sessionFrom = async (link: string) => {
    const followed = await follow(link);
    assert.equal(followed.status, 302, JSON.stringify(followed.body));
    const refreshToken = followed.location!.searchParams.get('refreshToken')!;
    assert.equal(followed.location!.searchParams.get('type'), 'signinPasswordless');
    const refreshed = await server.call('/v1/token', { body: { refreshToken } });
    assert.equal(refreshed.status, 200, refreshed.text);
    return { location: followed.location!, session: refreshed.body };
  };

  describe('for an account', () => {
    it('mails a link that signs the account in once, and marks the address verified', async () => {
      const { email } = server.bootstrap!;
      const answer = await ask(email, { redirectTo: `${REDIRECT}/welcome` });
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'OK');
      const mail = await smtp.next(email);
      assert.match(mail.subject, /sign-in link to Pavise/);
      assert.match(mail.from, /Pavise.*privacy@pavise\.test/);
      assert.match(mail.html, /Sign in<\/a>/);
      const link = mail.links.find((url) => url.includes('/v1/verify'))!;
      assert.ok(link.startsWith(`${server.url}/v1/verify?ticket=signinPasswordless%3A`), link);

      const { location, session } = await sessionFrom(link);
      assert.equal(location.origin + location.pathname, `${REDIRECT}/welcome`);
      assert.equal(session.user.email, email);
      assert.equal(session.user.emailVerified, true);
      assert.equal(decodeJwt(session.accessToken)['https://hasura.io/jwt/claims']['x-hasura-default-role'], 'user');

      // Single use: the same link again is refused, and yields no session.
      const again = await follow(link);
      assert.equal(again.status, 401);
      assert.deepEqual(again.body, { status: 401, error: 'invalid-ticket', message: 'Invalid ticket' });
    });

    it('refuses an expired, a forged or a malformed ticket with invalid-ticket', async () => {
      const { email } = server.bootstrap!;
      await ask(email);
      const link = (await smtp.next(email)).links.find((url) => url.includes('/v1/verify'))!;
      clock.advance(15 * MINUTE + 1000);
      assert.equal((await follow(link)).status, 401);

      const forged = new URL(link);
      forged.searchParams.set('ticket', `signinPasswordless:${'A'.repeat(43)}`);
      assertAuthError(await server.call(forged.pathname + forged.search), 401, 'invalid-ticket', 'Invalid ticket');
      assertAuthError(await server.call('/v1/verify?ticket=nonsense'), 401, 'invalid-ticket', 'Invalid ticket');
      assertAuthError(
        await server.call('/v1/verify?ticket=subjectSignin:xyz&type=signinPasswordless'),
        401,
        'invalid-ticket',
        'Invalid ticket',
      );
    });

    it('without redirectTo, sends the browser to the server itself', async () => {
      const { email } = server.bootstrap!;
      await ask(email);
      const { location } = await sessionFrom((await smtp.next(email)).links.find((url) => url.includes('/v1/verify'))!);
      assert.equal(location.origin, server.url);
    });

    it('refuses a redirectTo outside the allowed origins with 400, and sends no mail', async () => {
      const { email } = server.bootstrap!;
      const before = smtp.received.length;
      for (const redirectTo of [
        'https://evil.example/',
        `${REDIRECT}.evil.example/`,
        'javascript:alert(1)',
        'not a url',
      ]) {
        assertAuthError(
          await ask(email, { redirectTo }),
          400,
          'redirectTo-not-allowed',
          'The value of "options.redirectTo" is not allowed.',
        );
      }
      // Then a good request: had any refused one been mailed, it would have arrived before this.
      await ask(email);
      await smtp.next(email);
      assert.equal(smtp.received.length, before + 1);
    });

    it('answers an unknown address exactly as a known one, and mails nothing to it', async () => {
      const known = await ask(server.bootstrap!.email);
      const unknown = await ask('stranger@example.com');
      assert.deepEqual([unknown.status, unknown.text], [known.status, known.text]);
      await smtp.next(server.bootstrap!.email);
      await assert.rejects(smtp.next('stranger@example.com', 1500));
    });

    it('keeps tickets and addresses out of the logs', async () => {
      await ask('log-check@example.com');
      const logs = server.logs();
      assert.doesNotMatch(logs, /signinPasswordless:[A-Za-z0-9_-]{20}/);
      assert.doesNotMatch(logs, /subjectSignin:[A-Za-z0-9_-]{20}/);
      assert.doesNotMatch(logs, /log-check@example\.com/);
      assert.doesNotMatch(logs, new RegExp(server.bootstrap!.email.replace('.', '\\.')));
    });
  });

  describe('for a data subject', () => {
    let controllerId: string;
    let otherControllerId: string;
    let owner: Caller;
    let subjectId: string;
    let neighbourId: string;
    const email = 'ada@shop.example';

    it('mails a link in the controller’s name to a subject the controller knows', async () => {
      const created = await server.newController('Lovelace Shop');
      controllerId = created.controllerId;
      owner = { token: created.owner.token };
      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {primaryColour: "#aa3311", logomarkUrl: "https://shop.example/mark.png"}) { id } }',
        { id: controllerId },
        owner,
      );
      subjectId = await server.createSubject(owner, controllerId, { email: 'Ada@Shop.example ', country: 'DE' });
      neighbourId = await server.createSubject(owner, controllerId, { email: 'neighbour@shop.example' });
      const other = await server.newController('Other Shop');
      otherControllerId = other.controllerId;
      // The same person at another controller is another subject.
      await server.createSubject({ token: other.owner.token }, otherControllerId, { email });

      assert.equal((await ask(email, { dataControllerId: controllerId, redirectTo: REDIRECT })).body, 'OK');
      const mail = await smtp.next(email);
      assert.match(mail.subject, /Lovelace Shop's privacy centre/);
      assert.match(mail.from, /Lovelace Shop/);
      assert.match(mail.html, /#aa3311/);
      assert.match(mail.html, /https:\/\/shop\.example\/mark\.png/);
      assert.match(mail.text, /expires in 15 minutes/);
    });

    it('the link yields a dataSubject session that sees its own data and nothing else', async () => {
      // Data for the subject and for its neighbour.
      const purposeId = await insertPurpose(server, owner, { dataControllerId: controllerId, name: 'Newsletter' });
      const formId = await insertConsentForm(
        server,
        owner,
        { dataControllerId: controllerId, name: 'Banner', status: 'approved' },
        [purposeId],
      );
      const capture = 'mutation($input: CaptureConsentInput!) { captureConsent(input: $input) { status } }';
      for (const [who, granted] of [
        [email, 'granted'],
        ['neighbour@shop.example', 'denied'],
      ] as const) {
        await server.gqlData(
          capture,
          {
            input: {
              dataControllerId: controllerId,
              consentFormId: formId,
              email: who,
              choices: [{ purposeId, value: granted }],
            },
          },
          owner,
        );
      }

      await ask(email, { dataControllerId: controllerId, redirectTo: REDIRECT });
      const { session } = await sessionFrom((await smtp.next(email)).links.find((url) => url.includes('/v1/verify'))!);
      const claims = decodeJwt(session.accessToken)['https://hasura.io/jwt/claims'];
      assert.deepEqual(claims['x-hasura-allowed-roles'], ['dataSubject']);
      assert.equal(claims['x-hasura-default-role'], 'dataSubject');
      assert.equal(claims['x-hasura-data-subject-id'], subjectId);
      assert.equal(claims['x-hasura-data-controller-id'], controllerId);
      assert.equal(session.user.id, subjectId);
      assert.equal(session.user.email, undefined);
      const me = await server.call('/v1/user', { token: session.accessToken });
      assert.equal(me.status, 200);
      assert.deepEqual([me.body.id, me.body.defaultRole], [subjectId, 'dataSubject']);

      const mine = await server.gqlData(
        `{ dataSubjects { id }
           dataSubjectIdentifiers { dataSubjectId kind masked }
           dataSubjectConsentFormValues { dataSubjectId value }
           dataSubjectsRightsRequests { dataSubjectId }
           dataProcessingActivities { dataSubjectId }
           dataControllers { id title primaryColour } }`,
        {},
        { token: session.accessToken },
      );
      assert.deepEqual(mine.dataSubjects, [{ id: subjectId }]);
      // The address it proved, masked ('Ada@Shop.example ' was registered); for its eyes only.
      assert.deepEqual(mine.dataSubjectIdentifiers, [
        { dataSubjectId: subjectId, kind: 'email', masked: 'a***@s***.example' },
      ]);
      const byMember = await server.gql('{ dataSubjectIdentifiers { masked } }', {}, owner);
      assert.match(byMember.body.errors?.[0]?.message ?? '', /field 'masked' not found/, byMember.text);
      assert.deepEqual(mine.dataSubjectConsentFormValues, [{ dataSubjectId: subjectId, value: 'granted' }]);
      assert.ok(mine.dataProcessingActivities.length >= 1);
      assert.ok(mine.dataProcessingActivities.every((row: any) => row.dataSubjectId === subjectId));
      assert.deepEqual(mine.dataControllers, [{ id: controllerId, title: 'Lovelace Shop', primaryColour: '#aa3311' }]);

      // A rights request filed with the session is the subject's own, and visible to it.
      const filed = await server.gqlData(
        'mutation($input: SubmitDataSubjectsRightsRequestInput!) { submitDataSubjectsRightsRequest(input: $input) { status data { requestId } } }',
        { input: { dataControllerId: controllerId, requestType: 'access' } },
        { token: session.accessToken },
      );
      const requestId = filed.submitDataSubjectsRightsRequest.data.requestId;
      const requests = await server.gqlData(
        '{ dataSubjectsRightsRequests { id dataSubjectId } }',
        {},
        { token: session.accessToken },
      );
      assert.deepEqual(requests.dataSubjectsRightsRequests, [{ id: requestId, dataSubjectId: subjectId }]);

      // The neighbour's rows exist, and the session does not see them.
      const all = await server.gqlData('{ dataSubjectConsentFormValues { dataSubjectId } }', {}, admin);
      assert.ok(all.dataSubjectConsentFormValues.some((row: any) => row.dataSubjectId === neighbourId));
      const neighbour = await server.gqlData(
        'query($id: uuid!) { dataSubject(id: $id) { id } }',
        { id: neighbourId },
        { token: session.accessToken },
      );
      assert.equal(neighbour.dataSubject, null);
      // It cannot take a member's role.
      const asUser = await server.gql(
        '{ dataControllers { id } }',
        {},
        {
          token: session.accessToken,
          headers: { 'x-hasura-role': 'user' },
        },
      );
      assert.equal(asUser.body.errors?.[0]?.extensions?.code, 'access-denied');
    });

    it('a subject erased loses its sessions', async () => {
      const target = await server.createSubject(owner, controllerId, { email: 'leaving@shop.example' });
      await ask('leaving@shop.example', { dataControllerId: controllerId });
      const { session } = await sessionFrom(
        (await smtp.next('leaving@shop.example')).links.find((url) => url.includes('/v1/verify'))!,
      );
      await server.gqlData(
        'mutation($id: uuid!) { eraseDataSubject(dataSubjectId: $id) { status } }',
        { id: target },
        owner,
      );
      assertAuthError(
        await server.call('/v1/token', { body: { refreshToken: session.refreshToken } }),
        401,
        'invalid-refresh-token',
        'Invalid or expired refresh token',
      );
    });

    it('an address the controller does not know gets no mail, unless the controller allows self-registration', async () => {
      const newcomer = 'newcomer@shop.example';
      const before = await server.gqlData(
        'query($c: uuid!) { dataSubjectsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
        { c: controllerId },
        admin,
      );
      assert.equal((await ask(newcomer, { dataControllerId: controllerId })).body, 'OK');
      await assert.rejects(smtp.next(newcomer, 1500));

      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {subjectSelfRegistration: true}) { id } }',
        { id: controllerId },
        owner,
      );
      await ask(newcomer, { dataControllerId: controllerId });
      const link = (await smtp.next(newcomer)).links.find((url) => url.includes('/v1/verify'))!;
      // Asking registers nobody: following the link does.
      const asked = await server.gqlData(
        'query($c: uuid!) { dataSubjectsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
        { c: controllerId },
        admin,
      );
      assert.equal(asked.dataSubjectsAggregate.aggregate.count, before.dataSubjectsAggregate.aggregate.count);
      const { session } = await sessionFrom(link);
      const registered = decodeJwt(session.accessToken)['https://hasura.io/jwt/claims']['x-hasura-data-subject-id'];
      const again = await server.createSubject(owner, controllerId, { email: newcomer });
      assert.equal(again, registered);
      const shown = await server.gqlData(
        '{ dataSubjectIdentifiers { kind masked } }',
        {},
        { token: session.accessToken },
      );
      assert.deepEqual(shown.dataSubjectIdentifiers, [{ kind: 'email', masked: 'n***@s***.example' }]);
    });
  });
});

describe('magic links are rate-limited per address and per client', () => {
  const smtp = forSuite(startSmtpServer);
  const server = forSuite(() => startPrivacyServer({ PAVISE_SMTP_URL: smtp.url, PAVISE_RATE_LIMIT_MAIL: '2/3600' }));

  it('refuses the third mail within the window with 429 and Retry-After', async () => {
    const ask = () => server.call('/v1/signin/passwordless/email', { body: { email: server.bootstrap!.email } });
    assert.equal((await ask()).status, 200);
    assert.equal((await ask()).status, 200);
    const third = await ask();
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    await smtp.next(server.bootstrap!.email);
    await smtp.next(server.bootstrap!.email);
    await assert.rejects(smtp.next(server.bootstrap!.email, 1500));
  });
});
