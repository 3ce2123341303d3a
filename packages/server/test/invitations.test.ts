import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClock } from './helpers/clock.js';
import { assertAuthError } from './helpers/http.js';
import { admin, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { startSmtpServer } from './helpers/smtp.js';
import { forSuite } from './helpers/suite.js';

/**
 * Team invitations (docs/contracts.md §6.11), through GraphQL and the auth API with a real SMTP
 * server: an invitation mail in the controller's name, accepting as a new or an existing
 * account, resend, revoke, expiry, who may invite whom, and a role change that counts from the
 * member's next request.
 */

const DAY = 24 * 3600 * 1000;

const INVITE = `mutation ($controllerId: uuid!, $email: String!, $displayName: String, $role: String!) {
  inviteDataControllerUser(dataControllerId: $controllerId, email: $email, displayName: $displayName, role: $role) {
    status message data { id dataControllerId email displayName role status expiresAt }
  }
}`;
const RESEND =
  'mutation ($id: uuid!) { resendDataControllerInvitation(id: $id) { message data { id status expiresAt } } }';
const REVOKE = 'mutation ($id: uuid!) { revokeDataControllerInvitation(id: $id) { message data { id status } } }';
const INSERT_PURPOSE = `mutation ($controllerId: uuid!) {
  insertPurpose(object: {dataControllerId: $controllerId, name: "Newsletter", legalBasis: "consent"}) { id }
}`;

let invitees = 0;
const newAddress = (label: string) => `${label}-${++invitees}-${Date.now()}@colleagues.example`;

describe('team invitations', () => {
  const smtp = forSuite(startSmtpServer);
  const clock = new TestClock();
  const server = forSuite(() =>
    startPrivacyServer(
      {
        PAVISE_SMTP_URL: smtp.url,
        PAVISE_MAIL_FROM: 'Privacy <privacy@pavise.test>',
        PAVISE_RATE_LIMIT_MAIL: '1000/3600',
      },
      undefined,
      { clock },
    ),
  );

  const invite = (caller: Caller, controllerId: string, email: string, role: string, displayName?: string) =>
    server.gql(INVITE, { controllerId, email, role, displayName }, caller);

  /** Invites `email` as `role` and answers the invitation and the ticket of the mail that arrived. */
  async function invited(caller: Caller, controllerId: string, email: string, role: string, displayName?: string) {
    const answer = await invite(caller, controllerId, email, role, displayName);
    assert.equal(answer.body.errors, undefined, answer.text);
    // An invitee with an account was mailed at sign-up too (its verification link), in either
    // order: the invitation is the mail with the accept link.
    let mail = await smtp.next(email);
    while (!mail.links.some(isAcceptLink)) mail = await smtp.next(email);
    return { invitation: answer.body.data.inviteDataControllerUser.data, mail, ticket: ticketOf(mail.links) };
  }

  const isAcceptLink = (url: string) => url.includes('/accept-invitation#ticket=');
  const ticketOf = (links: string[]) => {
    const link = links.find(isAcceptLink);
    assert.ok(link, `no accept link in ${links.join(', ')}`);
    return decodeURIComponent(new URL(link).hash.slice('#ticket='.length));
  };

  const accept = (body: Record<string, unknown>, token?: string) =>
    server.call('/v1/invitations/accept', { body, ...(token ? { token } : {}) });

  const roleOf = async (controllerId: string, userId: string) =>
    (
      await server.gqlData(
        'query ($c: uuid!, $u: uuid!) { dataControllerUsers(where: {dataControllerId: {_eq: $c}, userId: {_eq: $u}}) { id role } }',
        { c: controllerId, u: userId },
        admin,
      )
    ).dataControllerUsers[0];

  it('an owner invites a DPO, who accepts, works with DPO rights, and is refused as a Member once demoted', async () => {
    const { controllerId, owner } = await server.newController('Acme Privacy');
    const email = newAddress('dpo');
    const { invitation, mail, ticket } = await invited({ token: owner.token }, controllerId, email, 'dpo', 'Dana Pro');
    assert.equal(invitation.status, 'pending');
    assert.equal(invitation.role, 'dpo');
    assert.equal(new Date(invitation.expiresAt).getTime(), clock.now() + 7 * DAY);

    // The mail speaks in the controller's name, says who invites with which role, and links to the accept page.
    assert.match(mail.from, /Acme Privacy.*privacy@pavise\.test/);
    assert.match(mail.subject, /invited you to Acme Privacy/);
    assert.match(mail.text, /as Data Protection Officer/);
    assert.match(mail.text, /expires in 7 days/);
    assert.match(mail.html, /Accept invitation<\/a>/);
    assert.ok(mail.links.some((url) => url.startsWith(`${server.url}/accept-invitation#ticket=invitation%3A`)));

    const preview = await server.call('/v1/invitations/preview', { body: { ticket } });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.body.email, email);
    assert.equal(preview.body.roleLabel, 'Data Protection Officer');
    assert.equal(preview.body.dataController.title, 'Acme Privacy');
    assert.equal(preview.body.accountExists, false);

    // A new person: the account is made with the password, the address taken as verified.
    const accepted = await accept({ ticket, password: 'Dana-Pr0tects-data!' });
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.dataControllerId, controllerId);
    assert.equal(accepted.body.role, 'dpo');
    assert.equal(accepted.body.session.user.email, email);
    assert.equal(accepted.body.session.user.displayName, 'Dana Pro');
    assert.equal(accepted.body.session.user.emailVerified, true);

    // The colleague signs in with that password and works as a DPO.
    const signedIn = await server.call('/v1/signin/email-password', {
      body: { email, password: 'Dana-Pr0tects-data!' },
    });
    assert.equal(signedIn.status, 200, signedIn.text);
    const dpo = { token: signedIn.body.session.accessToken as string };
    const seen = await server.gqlData('{ dataControllers { id title } }', {}, dpo);
    assert.deepEqual(seen.dataControllers, [{ id: controllerId, title: 'Acme Privacy' }]);
    const purpose = await server.gql(INSERT_PURPOSE, { controllerId }, dpo);
    assert.equal(purpose.body.errors, undefined, purpose.text);

    // ...but does not manage users.
    const refused = await invite(dpo, controllerId, newAddress('friend'), 'member');
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'not-found', refused.text);
    const membership = await roleOf(controllerId, signedIn.body.session.user.id);
    const selfPromotion = await server.gql(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "admin"}) { id } }',
      { id: membership.id },
      dpo,
    );
    assert.equal(selfPromotion.body.data?.updateDataControllerUser, null, selfPromotion.text);
    assert.equal((await roleOf(controllerId, signedIn.body.session.user.id)).role, 'dpo');

    // The team, as the owner's dashboard shows it: members with roles and last sign-in, the invitation accepted.
    const team = await server.gqlData(
      `query ($c: uuid!) { dataController(id: $c) {
         members(order_by: {createdAt: asc}) { role user { email displayName lastSeen activeMfaType } }
         invitations { email role status acceptedAt }
       } }`,
      { c: controllerId },
      { token: owner.token },
    );
    assert.deepEqual(
      team.dataController.members.map((m: any) => [m.role, m.user.email]),
      [
        ['owner', owner.email],
        ['dpo', email],
      ],
    );
    assert.ok(team.dataController.members[1].user.lastSeen, 'the sign-in is shown');
    assert.deepEqual(
      team.dataController.invitations.map((i: any) => [i.email, i.role, i.status]),
      [[email, 'dpo', 'accepted']],
    );

    // The owner makes the DPO a Member: the colleague's next request, with the same token, is refused where a Member is.
    const demoted = await server.gql(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "member"}) { role } }',
      { id: membership.id },
      { token: owner.token },
    );
    assert.deepEqual(demoted.body.data, { updateDataControllerUser: { role: 'member' } }, demoted.text);
    const asMember = await server.gql(INSERT_PURPOSE, { controllerId }, dpo);
    assert.ok(asMember.body.errors, `a Member may not manage purposes: ${asMember.text}`);
    assert.equal((await server.gqlData('{ purposes { name } }', {}, dpo)).purposes.length, 1, 'a Member still reads');

    // Removed: the next request sees nothing of the controller.
    await server.gqlData(
      'mutation ($id: uuid!) { deleteDataControllerUser(id: $id) { id } }',
      { id: membership.id },
      {
        token: owner.token,
      },
    );
    assert.deepEqual(await server.gqlData('{ dataControllers { id } purposes { id } }', {}, dpo), {
      dataControllers: [],
      purposes: [],
    });
  });

  it('a link works once: accepted twice, the second is invalid-ticket and changes nothing', async () => {
    const { controllerId, owner } = await server.newController('Once Ltd');
    const email = newAddress('once');
    const { ticket } = await invited({ token: owner.token }, controllerId, email, 'developer');
    const first = await accept({ ticket, password: 'Once-and-0nly!' });
    assert.equal(first.status, 200, first.text);
    assertAuthError(
      await accept({ ticket, password: 'Twice-and-n0t!' }),
      401,
      'invalid-ticket',
      'This invitation link is not valid: it was used, revoked, replaced by a newer one, or has expired',
    );
    assertAuthError(
      await server.call('/v1/invitations/preview', { body: { ticket } }),
      401,
      'invalid-ticket',
      'Invalid ticket',
    );
    assert.equal((await roleOf(controllerId, first.body.session.user.id)).role, 'developer');
    const signIn = await server.call('/v1/signin/email-password', { body: { email, password: 'Twice-and-n0t!' } });
    assert.equal(signIn.status, 401, 'the second password was not set');
  });

  it('a resend replaces the link and counts 7 days again; an expired link is refused; a revoked one too', async () => {
    const { controllerId, owner } = await server.newController('Resend GmbH');
    const email = newAddress('resend');
    const { invitation, ticket: first } = await invited({ token: owner.token }, controllerId, email, 'auditor');

    clock.advance(2 * DAY);
    // Days later the owner's access token has long expired: a fresh sign-in.
    const signIn = async () => ({
      token: (
        await server.call('/v1/signin/email-password', { body: { email: owner.email, password: owner.password } })
      ).body.session.accessToken as string,
    });
    const resent = await server.gql(RESEND, { id: invitation.id }, await signIn());
    assert.equal(resent.body.errors, undefined, resent.text);
    assert.equal(
      new Date(resent.body.data.resendDataControllerInvitation.data.expiresAt).getTime(),
      clock.now() + 7 * DAY,
    );
    const second = ticketOf((await smtp.next(email)).links);
    assert.notEqual(second, first);
    const replaced = await accept({ ticket: first, password: 'Auditor-passw0rd!' });
    assert.equal(replaced.status, 401, replaced.text);
    assert.equal(replaced.body.error, 'invalid-ticket');

    // Seven days after the resend, the second link has expired too; a resend revives the invitation.
    clock.advance(7 * DAY + 1000);
    assert.equal((await accept({ ticket: second, password: 'Auditor-passw0rd!' })).status, 401);
    const ownerNow = await signIn();
    const listed = await server.gqlData(
      'query ($id: uuid!) { dataControllerInvitation(id: $id) { status expiresAt } }',
      { id: invitation.id },
      ownerNow,
    );
    assert.equal(listed.dataControllerInvitation.status, 'pending');
    assert.ok(new Date(listed.dataControllerInvitation.expiresAt).getTime() < clock.now(), 'shown as expired');
    await server.gqlData(RESEND, { id: invitation.id }, ownerNow);
    const third = ticketOf((await smtp.next(email)).links);

    const revoked = await server.gql(REVOKE, { id: invitation.id }, ownerNow);
    assert.equal(revoked.body.data.revokeDataControllerInvitation.data.status, 'revoked', revoked.text);
    assert.equal((await accept({ ticket: third, password: 'Auditor-passw0rd!' })).status, 401);
    const again = await server.gql(REVOKE, { id: invitation.id }, ownerNow);
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'invitation-closed', again.text);
    assert.match(again.body.errors[0].message, /this invitation is revoked/);
  });

  it('an existing account accepts with its own session; another account, or no session, is refused and spends nothing', async () => {
    const { controllerId, owner } = await server.newController('Known Inc');
    const elsewhere = await server.newController('Elsewhere');
    const { ticket } = await invited({ token: owner.token }, controllerId, elsewhere.owner.email, 'agency');
    assert.equal((await server.call('/v1/invitations/preview', { body: { ticket } })).body.accountExists, true);

    assertAuthError(
      await accept({ ticket, password: 'Someone-else-1!' }),
      409,
      'email-already-in-use',
      'An account with this e-mail address exists: sign in, then accept with its access token',
    );
    const stranger = await server.newController('Stranger');
    assertAuthError(
      await accept({ ticket }, stranger.owner.token),
      403,
      'invitation-for-another-address',
      'This invitation was sent to another e-mail address: sign in with that account',
    );
    assert.equal(await roleOf(controllerId, stranger.owner.userId), undefined);

    const accepted = await accept({ ticket }, elsewhere.owner.token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(accepted.body, { dataControllerId: controllerId, role: 'agency', session: null });
    assert.equal((await roleOf(controllerId, elsewhere.owner.userId)).role, 'agency');

    // Inviting a member again is refused.
    const twice = await invite({ token: owner.token }, controllerId, elsewhere.owner.email, 'member');
    assert.equal(twice.body.errors?.[0]?.extensions?.code, 'already-a-member', twice.text);
  });

  it('who may invite whom: managers of users invite, only an owner invites or demotes an owner, and an owner is always left', async () => {
    const { controllerId, owner } = await server.newController('Roles plc');
    const administrator: Member = await server.memberWithRole(controllerId, 'admin');
    const businessOwner = await server.memberWithRole(controllerId, 'businessOwner');
    for (const role of ['dpo', 'dataController', 'developer', 'agency', 'member', 'auditor']) {
      const member = await server.memberWithRole(controllerId, role);
      const refused = await invite({ token: member.token }, controllerId, newAddress(`by-${role}`), 'member');
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'not-found', `${role}: ${refused.text}`);
    }
    await invited({ token: administrator.token }, controllerId, newAddress('by-admin'), 'member');
    await invited({ token: businessOwner.token }, controllerId, newAddress('by-bo'), 'admin');
    const ownerByAdmin = await invite(
      { token: administrator.token },
      controllerId,
      newAddress('owner-by-admin'),
      'owner',
    );
    assert.equal(ownerByAdmin.body.errors?.[0]?.extensions?.code, 'permission-error', ownerByAdmin.text);
    await invited({ token: owner.token }, controllerId, newAddress('co-owner'), 'owner');

    // An admin can neither make nor unmake an owner through the table either.
    const ownerRow = await roleOf(controllerId, owner.userId);
    const demoteOwner = await server.gql(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "member"}) { id } }',
      { id: ownerRow.id },
      { token: administrator.token },
    );
    assert.equal(demoteOwner.body.data?.updateDataControllerUser, null, demoteOwner.text);
    const adminRow = await roleOf(controllerId, administrator.userId);
    const promote = await server.gql(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "owner"}) { id } }',
      { id: adminRow.id },
      { token: administrator.token },
    );
    assert.ok(promote.body.errors, promote.text);
    assert.equal((await roleOf(controllerId, owner.userId)).role, 'owner');

    // The last owner cannot step down or leave; with a second owner, it can.
    const stepDown = await server.gql(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "admin"}) { id } }',
      { id: ownerRow.id },
      { token: owner.token },
    );
    assert.equal(stepDown.body.errors?.[0]?.extensions?.code, 'constraint-violation', stepDown.text);
    assert.equal(
      stepDown.body.errors[0].message,
      'a data controller keeps at least one owner: make someone else owner first',
    );
    await server.gqlData(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "owner"}) { id } }',
      { id: adminRow.id },
      { token: owner.token },
    );
    await server.gqlData(
      'mutation ($id: uuid!) { updateDataControllerUser(pk_columns: {id: $id}, _set: {role: "admin"}) { id } }',
      { id: ownerRow.id },
      { token: owner.token },
    );
    assert.equal((await roleOf(controllerId, owner.userId)).role, 'admin');
  });

  it('bad input is refused with a clear error, and an invitation rolled back sends no mail', async () => {
    const { controllerId, owner } = await server.newController('Strict BV');
    const caller = { token: owner.token };
    const badEmail = await invite(caller, controllerId, 'not an address', 'member');
    assert.equal(badEmail.body.errors?.[0]?.message, 'email is not an e-mail address', badEmail.text);
    const badRole = await invite(caller, controllerId, newAddress('role'), 'superuser');
    assert.match(badRole.body.errors?.[0]?.message, /^role must be one of owner, businessOwner, admin, dpo/);

    const email = newAddress('pending');
    await invited(caller, controllerId, email, 'member');
    const twice = await invite(caller, controllerId, email.toUpperCase(), 'member');
    assert.equal(twice.body.errors?.[0]?.extensions?.code, 'already-invited', twice.text);

    // An invitation in a mutation whose next field fails is rolled back with it: no invitation, no mail.
    const outbox = async () =>
      Number((await server.pavise.db.query<{ n: string }>('SELECT count(*) AS n FROM mail.outbox'))[0]!.n);
    const before = await outbox();
    const rolledBack = await server.gql(
      `mutation ($c: uuid!) {
         inviteDataControllerUser(dataControllerId: $c, email: "rolled-back@colleagues.example", role: "member") { status }
         insertPurpose(object: {dataControllerId: $c, name: "x", legalBasis: "not-a-basis"}) { id }
       }`,
      { c: controllerId },
      caller,
    );
    assert.ok(rolledBack.body.errors, rolledBack.text);
    assert.equal(await outbox(), before);
    const pending = await server.gqlData(
      'query ($c: uuid!) { dataControllerInvitations(where: {dataControllerId: {_eq: $c}}) { email status } }',
      { c: controllerId },
      caller,
    );
    assert.deepEqual(pending.dataControllerInvitations, [{ email, status: 'pending' }]);

    // Accepting: a password that breaks the rule is refused and spends nothing; tickets of another kind are not invitations.
    const { ticket } = await invited(caller, controllerId, newAddress('weak'), 'member');
    assertAuthError(
      await accept({ ticket, password: 'short' }),
      400,
      'password-too-short',
      'Password is too short: use at least 8 characters',
    );
    assert.equal((await accept({ ticket, password: 'Str0ng-enough-now!' })).status, 200);
    assert.equal(
      (await accept({ ticket: `signinPasswordless:${'A'.repeat(43)}`, password: 'Str0ng-enough-now!' })).status,
      401,
    );
    const noPassword = await accept({ ticket: 'invitation:whatever' });
    assert.equal(noPassword.status, 400, noPassword.text);
    assert.match(noPassword.body.message, /Send a password to create your account/);
  });
});
