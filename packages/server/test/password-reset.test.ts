import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClock } from './helpers/clock.js';
import { assertAuthError, type Response } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { forSuite } from './helpers/suite.js';
import { totpCode } from './helpers/totp.js';

/**
 * Password reset and e-mail verification (docs/contracts.md §3.10), as a user goes through them:
 * the mail arrives at a real SMTP server, its link is followed, and the session or the ticket it
 * carries is used. Time is the server's TestClock.
 */

const APP = 'https://app.example';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEP_MS = 30_000;
const RESET_SUBJECT = 'Reset your password';
const VERIFY_SUBJECT = 'Confirm your e-mail address';
const INVALID_TICKET = [401, 'invalid-ticket', 'Invalid ticket'] as const;

interface Account {
  email: string;
  password: string;
  /** The session sign-up answered. */
  session: any;
}

/** Follows a mailed link without following its redirect. */
async function follow(link: string): Promise<{ status: number; location: URL | undefined; text: string }> {
  const response = await fetch(link, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : undefined, text: await response.text() };
}

const verifyLink = (mail: ReceivedMail) => {
  const link = mail.links.find((url) => url.includes('/v1/verify'));
  assert.ok(link, `a /v1/verify link in: ${mail.text}`);
  return link;
};
const ticketOf = (link: string) => new URL(link).searchParams.get('ticket')!;
/** The same link with another `type` (or none). */
const withType = (link: string, type: string | undefined) => {
  const url = new URL(link);
  if (type === undefined) url.searchParams.delete('type');
  else url.searchParams.set('type', type);
  return url.toString();
};

function withServer(env: Record<string, string> = {}) {
  const smtp = forSuite(startSmtpServer);
  const clock = new TestClock();
  const server = forSuite(() =>
    startTestServer(
      {
        PAVISE_SMTP_URL: smtp.url,
        PAVISE_REDIRECT_ORIGINS: APP,
        PAVISE_MAIL_FROM: 'Pavise <auth@pavise.test>',
        // These suites ask for more mail, and are refused more tickets, than the defaults allow one client.
        PAVISE_RATE_LIMIT_MAIL: '1000/3600',
        PAVISE_RATE_LIMIT_IP_FAILURES: '1000/300',
        ...env,
      },
      undefined,
      { clock },
    ),
  );
  return { smtp, clock, server };
}

/** The next mail to `address`, which must have `subject`. */
async function mailTo(smtp: TestSmtpServer, address: string, subject: string): Promise<ReceivedMail> {
  const mail = await smtp.next(address);
  assert.equal(mail.subject, subject);
  return mail;
}

let accounts = 0;
/** A new account, signed up over HTTP; the verification mail sign-up sends is taken (and returned). */
async function signUp(
  server: TestServer,
  smtp: TestSmtpServer,
  options: Record<string, unknown> = {},
): Promise<Account & { verification: ReceivedMail }> {
  const n = ++accounts;
  const email = `reset-${n}@example.com`;
  const password = `Lantern-${n}-quay!`;
  const response = await server.call('/v1/signup/email-password', { body: { email, password, options } });
  assert.equal(response.status, 200, response.text);
  return { email, password, session: response.body.session, verification: await mailTo(smtp, email, VERIFY_SUBJECT) };
}

const passwordSignIn = (server: TestServer, email: string, password: string) =>
  server.call('/v1/signin/email-password', { body: { email, password } });
const refresh = (server: TestServer, refreshToken: string) => server.call('/v1/token', { body: { refreshToken } });
const askReset = (server: TestServer, email: string, options?: Record<string, unknown>) =>
  server.call('/v1/user/password/reset', { body: { email, ...(options ? { options } : {}) } });
const askVerification = (server: TestServer, email: string, options?: Record<string, unknown>) =>
  server.call('/v1/user/email/send-verification-email', { body: { email, ...(options ? { options } : {}) } });
const resetByTicket = (server: TestServer, ticket: string, newPassword: string, token?: string) =>
  server.call('/v1/user/password', { body: { newPassword, ticket }, token });

function assertOk(response: Response): void {
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body, 'OK');
}

describe('password reset', () => {
  const { smtp, clock, server } = withServer();

  it('mails a link to a known address only, answering an unknown one alike', async () => {
    const account = await signUp(server, smtp);
    const known = await askReset(server, account.email, { redirectTo: `${APP}/reset` });
    const unknown = await askReset(server, 'nobody-here@example.com', { redirectTo: `${APP}/reset` });
    assertOk(known);
    assert.deepEqual([unknown.status, unknown.text], [known.status, known.text]);

    const mail = await mailTo(smtp, account.email, RESET_SUBJECT);
    assert.match(mail.from, /Pavise.*auth@pavise\.test/);
    assert.match(mail.text, /expires in 60 minutes/);
    assert.match(mail.text, /If you did not ask for it, ignore this message: your password is unchanged\./);
    assert.match(mail.html, /Reset password<\/a>/);
    const link = new URL(verifyLink(mail));
    assert.equal(link.origin + link.pathname, `${server.url}/v1/verify`);
    assert.match(link.searchParams.get('ticket')!, /^passwordReset:[A-Za-z0-9_-]{43}$/);
    assert.equal(link.searchParams.get('type'), 'passwordReset');
    assert.equal(link.searchParams.get('redirectTo'), `${APP}/reset`);
    await assert.rejects(smtp.next('nobody-here@example.com', 1500));
  });

  it('the link signs in for a new password; the new one signs in, the old one no longer', async () => {
    const account = await signUp(server, smtp);
    const earlier = (await passwordSignIn(server, account.email, account.password)).body.session;
    assertOk(await askReset(server, account.email, { redirectTo: `${APP}/reset` }));
    const link = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));

    const followed = await follow(link);
    assert.equal(followed.status, 302, followed.text);
    assert.equal(followed.location!.origin + followed.location!.pathname, `${APP}/reset`);
    assert.equal(followed.location!.searchParams.get('type'), 'passwordReset');
    const refreshed = await refresh(server, followed.location!.searchParams.get('refreshToken')!);
    assert.equal(refreshed.status, 200, refreshed.text);
    const session = refreshed.body;
    assert.equal(session.user.email, account.email);
    assert.equal(session.user.emailVerified, true, 'the link reached the address');
    // The link works once.
    assertAuthError(await server.call(new URL(link).pathname + new URL(link).search), ...INVALID_TICKET);

    const newPassword = `${account.password}-renewed`;
    assertOk(await server.call('/v1/user/password', { token: session.accessToken, body: { newPassword } }));
    assertAuthError(
      await passwordSignIn(server, account.email, account.password),
      401,
      'invalid-email-password',
      'Incorrect email or password',
    );
    assert.equal((await passwordSignIn(server, account.email, newPassword)).status, 200);
    // The reset link's session is a normal one: changing the password from it kept it; the
    // session of before ended, as by any password change.
    assert.equal((await refresh(server, session.refreshToken)).status, 200);
    assertAuthError(
      await refresh(server, earlier.refreshToken),
      401,
      'invalid-refresh-token',
      'Invalid or expired refresh token',
    );
  });

  it('the ticket alone sets the password and ends every session, its second-step tickets included', async () => {
    const account = await signUp(server, smtp);
    const other = (await passwordSignIn(server, account.email, account.password)).body.session;
    // TOTP on, and a password sign-in left at its second step.
    const { totpSecret } = (await server.call('/v1/mfa/totp/generate', { token: account.session.accessToken })).body;
    assertOk(
      await server.call('/v1/user/mfa', {
        token: account.session.accessToken,
        body: { code: totpCode(totpSecret, clock.now()), activeMfaType: 'totp' },
      }),
    );
    clock.advance(STEP_MS);
    const halfway = await passwordSignIn(server, account.email, account.password);
    const mfaTicket = halfway.body.mfa.ticket;
    assert.ok(mfaTicket, halfway.text);

    assertOk(await askReset(server, account.email));
    const link = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    const ticket = ticketOf(link);
    const newPassword = 'Fresh-harbour-77?';

    // A password the rule refuses changes nothing, and leaves the ticket usable.
    for (const [weak, error] of [
      ['Sh0rt!', 'password-too-short'],
      ['Dragon2024!', 'password-in-hibp-database'],
    ]) {
      const refused = await resetByTicket(server, ticket, weak!);
      assert.deepEqual([refused.status, refused.body.error], [400, error], refused.text);
    }
    // A ticket and an access token together: which account is meant is not clear.
    assertAuthError(
      await resetByTicket(server, ticket, newPassword, other.accessToken),
      400,
      'invalid-request',
      'The request payload is incorrect: send either an access token or a ticket, not both',
    );
    assert.equal((await refresh(server, other.refreshToken)).status, 200, 'nothing has ended yet');

    assertOk(await resetByTicket(server, ticket, newPassword));
    for (const session of [account.session, other]) {
      assertAuthError(
        await refresh(server, session.refreshToken),
        401,
        'invalid-refresh-token',
        'Invalid or expired refresh token',
      );
    }
    // The second step the old password opened is closed (a good code: the ticket is refused).
    assertAuthError(
      await server.call('/v1/signin/mfa/totp', { body: { ticket: mfaTicket, otp: totpCode(totpSecret, clock.now()) } }),
      ...INVALID_TICKET,
    );
    // Used once: neither the form nor the link takes the ticket again.
    assertAuthError(await resetByTicket(server, ticket, 'Another-harbour-78?'), ...INVALID_TICKET);
    assert.equal((await follow(link)).status, 401);
    // The new password signs in (to its second step: TOTP stays on); the old one does not.
    const signedIn = await passwordSignIn(server, account.email, newPassword);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.match(signedIn.body.mfa.ticket, /^mfaTotp:/);
    assert.equal((await passwordSignIn(server, account.email, account.password)).status, 401);
  });

  it('a forged ticket, or one of another kind, does not reset a password', async () => {
    const account = await signUp(server, smtp);
    assertAuthError(
      await resetByTicket(server, `passwordReset:${'A'.repeat(43)}`, 'Fresh-harbour-77?'),
      ...INVALID_TICKET,
    );
    assertAuthError(await resetByTicket(server, 'nonsense', 'Fresh-harbour-77?'), ...INVALID_TICKET);
    // The account's own e-mail verification ticket, and a magic link's.
    const verification = ticketOf(verifyLink(account.verification));
    assertAuthError(await resetByTicket(server, verification, 'Fresh-harbour-77?'), ...INVALID_TICKET);
    await server.call('/v1/signin/passwordless/email', { body: { email: account.email } });
    const magic = ticketOf(verifyLink(await mailTo(smtp, account.email, 'Your sign-in link to Pavise')));
    assertAuthError(await resetByTicket(server, magic, 'Fresh-harbour-77?'), ...INVALID_TICKET);
    assert.equal((await passwordSignIn(server, account.email, account.password)).status, 200, 'password unchanged');
  });

  it('a link lives one hour', async () => {
    const account = await signUp(server, smtp);
    assertOk(await askReset(server, account.email));
    const early = ticketOf(verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT)));
    clock.advance(59 * MINUTE);
    assertOk(await resetByTicket(server, early, 'Within-the-hour-59!'));

    assertOk(await askReset(server, account.email));
    const late = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    clock.advance(HOUR + 1000);
    assert.equal((await follow(late)).status, 401);
    assertAuthError(await resetByTicket(server, ticketOf(late), 'Past-the-hour-61!'), ...INVALID_TICKET);
    assert.equal((await passwordSignIn(server, account.email, 'Within-the-hour-59!')).status, 200);
  });

  it('a new request makes the earlier link invalid', async () => {
    const account = await signUp(server, smtp);
    assertOk(await askReset(server, account.email));
    const first = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    assertOk(await askReset(server, account.email));
    const second = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    assert.notEqual(ticketOf(first), ticketOf(second));
    assert.equal((await follow(first)).status, 401);
    assertAuthError(await resetByTicket(server, ticketOf(first), 'Fresh-harbour-77?'), ...INVALID_TICKET);
    assert.equal((await follow(second)).status, 302);
  });

  it('refuses a redirectTo outside the allowed origins with 400, and sends no mail', async () => {
    const account = await signUp(server, smtp);
    const before = smtp.received.length;
    for (const redirectTo of ['https://evil.example/', `${APP}.evil.example/`, 'javascript:alert(1)', 'not a url']) {
      for (const ask of [askReset, askVerification]) {
        assertAuthError(
          await ask(server, account.email, { redirectTo }),
          400,
          'redirectTo-not-allowed',
          'The value of "options.redirectTo" is not allowed.',
        );
      }
    }
    // Then a good request: had any refused one been mailed, it would have arrived before this.
    assertOk(await askReset(server, account.email));
    await mailTo(smtp, account.email, RESET_SUBJECT);
    assert.equal(smtp.received.length, before + 1);
  });

  it('a ticket is good only for its own type of link', async () => {
    const account = await signUp(server, smtp);
    assertOk(await askReset(server, account.email));
    const reset = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    for (const type of ['signinPasswordless', 'emailVerify', undefined, 'subjectSignin', 'nonsense']) {
      const wrong = new URL(withType(reset, type));
      assertAuthError(await server.call(wrong.pathname + wrong.search), ...INVALID_TICKET);
    }
    // None of those used it up.
    const followed = await follow(reset);
    assert.equal(followed.status, 302);
    assert.equal(followed.location!.searchParams.get('type'), 'passwordReset');

    await server.call('/v1/signin/passwordless/email', { body: { email: account.email } });
    const magic = verifyLink(await mailTo(smtp, account.email, 'Your sign-in link to Pavise'));
    for (const type of ['passwordReset', 'emailVerify'])
      assert.equal((await follow(withType(magic, type))).status, 401);
    const signedIn = await follow(magic);
    assert.equal(signedIn.status, 302);
    assert.equal(signedIn.location!.searchParams.get('type'), 'signinPasswordless');
  });

  it('keeps tickets, addresses and bodies out of the logs', async () => {
    const account = await signUp(server, smtp);
    assertOk(await askReset(server, account.email));
    const link = verifyLink(await mailTo(smtp, account.email, RESET_SUBJECT));
    await follow(link);
    await resetByTicket(server, ticketOf(link), 'Logged-nowhere-42!');
    await askVerification(server, 'log-check@example.com');
    const logs = server.logs();
    // The requests were logged, their query strings without values.
    assert.match(logs, /"url":"\/v1\/verify\?ticket=…&type=…&redirectTo=…"/);
    assert.match(logs, /"url":"\/v1\/user\/password\/reset"/);
    assert.doesNotMatch(logs, /passwordReset:[A-Za-z0-9_-]{20}/);
    assert.doesNotMatch(logs, /emailVerify:[A-Za-z0-9_-]{20}/);
    assert.doesNotMatch(logs, /Logged-nowhere-42!/);
    assert.doesNotMatch(logs, /reset-\d+@example\.com|log-check@example\.com/);
  });
});

describe('e-mail verification', () => {
  const { smtp, clock, server } = withServer();

  it('sign-up mails a link that marks the address verified, and answers a session as before', async () => {
    const account = await signUp(server, smtp, { redirectTo: `${APP}/welcome` });
    assert.equal(account.session.user.emailVerified, false, 'sign-in does not wait for verification');
    const me = () => server.call('/v1/user', { token: account.session.accessToken });
    assert.equal((await me()).body.emailVerified, false);
    const mail = account.verification;
    assert.match(mail.text, /expires in 24 hours/);
    assert.match(mail.html, /Confirm address<\/a>/);
    const link = verifyLink(mail);
    assert.match(ticketOf(link), /^emailVerify:[A-Za-z0-9_-]{43}$/);
    assert.equal(new URL(link).searchParams.get('type'), 'emailVerify');

    const followed = await follow(link);
    assert.equal(followed.status, 302, followed.text);
    assert.equal(followed.location!.origin + followed.location!.pathname, `${APP}/welcome`);
    assert.equal(followed.location!.searchParams.get('type'), 'emailVerify');
    const session = await refresh(server, followed.location!.searchParams.get('refreshToken')!);
    assert.equal(session.status, 200, session.text);
    assert.equal(session.body.user.emailVerified, true);
    assert.equal((await me()).body.emailVerified, true);
    assert.equal((await follow(link)).status, 401, 'used once');
  });

  it('a sign-up redirectTo that is not allowed is not refused: the link leads to the server itself', async () => {
    const account = await signUp(server, smtp, { redirectTo: 'https://evil.example/' });
    const followed = await follow(verifyLink(account.verification));
    assert.equal(followed.status, 302, followed.text);
    assert.equal(followed.location!.origin, server.url);
  });

  it('mails a new link on request, which replaces the earlier one', async () => {
    const account = await signUp(server, smtp);
    assertOk(await askVerification(server, account.email, { redirectTo: `${APP}/again` }));
    const again = verifyLink(await mailTo(smtp, account.email, VERIFY_SUBJECT));
    assert.equal((await follow(verifyLink(account.verification))).status, 401);
    const followed = await follow(again);
    assert.equal(followed.status, 302);
    assert.equal(followed.location!.origin + followed.location!.pathname, `${APP}/again`);
  });

  it('a link lives 24 hours', async () => {
    const account = await signUp(server, smtp);
    clock.advance(24 * HOUR + 1000);
    assert.equal((await follow(verifyLink(account.verification))).status, 401);
    const signedIn = (await passwordSignIn(server, account.email, account.password)).body.session;
    assert.equal((await server.call('/v1/user', { token: signedIn.accessToken })).body.emailVerified, false);
  });

  it('sends nothing to a verified or an unknown address, and answers "OK" all the same', async () => {
    const account = await signUp(server, smtp);
    assert.equal((await follow(verifyLink(account.verification))).status, 302);
    const unverified = await signUp(server, smtp);
    const before = smtp.received.length;
    for (const email of [account.email, 'nobody-at-all@example.com']) assertOk(await askVerification(server, email));
    // A positive control: an address not yet verified gets its mail, after which the others would have come.
    assertOk(await askVerification(server, unverified.email));
    await mailTo(smtp, unverified.email, VERIFY_SUBJECT);
    await assert.rejects(smtp.next(account.email, 1500));
    assert.equal(smtp.received.length, before + 1);
  });
});

describe('reset and verification mail are rate-limited per client', () => {
  const { smtp, server } = withServer({ PAVISE_RATE_LIMIT_MAIL: '2/3600' });

  it('refuses the third mail within the window with 429 and Retry-After, whichever route asks', async () => {
    const { email } = server.bootstrap!;
    assertOk(await askReset(server, email));
    assertOk(await askReset(server, email));
    for (const third of [await askReset(server, email), await askVerification(server, 'someone-else@example.com')]) {
      assert.equal(third.status, 429, third.text);
      assert.equal(third.body.error, 'too-many-requests');
      assert.ok(Number(third.headers.get('retry-after')) > 0);
    }
    await mailTo(smtp, email, RESET_SUBJECT);
    await mailTo(smtp, email, RESET_SUBJECT);
    await assert.rejects(smtp.next(email, 1500));
  });
});
