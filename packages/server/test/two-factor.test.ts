import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Secret } from 'otpauth';
import { TestClock } from './helpers/clock.js';
import { assertAuthError } from './helpers/http.js';
import { type Controller, type Member, startPrivacyServer } from './helpers/privacy.js';
import type { TestServer } from './helpers/server.js';
import { forSuite, suiteServer } from './helpers/suite.js';
import { totpCode } from './helpers/totp.js';
import { vaultClient, writeSecrets } from './helpers/vault.js';

/** Two-factor sign-in with TOTP (docs/contracts.md §3.7), with time on the server's TestClock. */

const STEP_MS = 30_000;

interface Account {
  email: string;
  password: string;
  token: string;
}

let accounts = 0;
async function signUp(server: TestServer): Promise<Account> {
  const email = `totp-${++accounts}@example.com`;
  const password = `Totp-user-${accounts}!`;
  const response = await server.call('/v1/signup/email-password', { body: { email, password } });
  assert.equal(response.status, 200, response.text);
  return { email, password, token: response.body.session.accessToken };
}

/** Generates and confirms a TOTP secret for the account, with a code of the clock's current step. */
async function enrol(server: TestServer, clock: TestClock, account: Account): Promise<string> {
  const generated = await server.call('/v1/mfa/totp/generate', { token: account.token });
  assert.equal(generated.status, 200, generated.text);
  const { totpSecret } = generated.body;
  const activated = await server.call('/v1/user/mfa', {
    token: account.token,
    body: { code: totpCode(totpSecret, clock.now()), activeMfaType: 'totp' },
  });
  assert.equal(activated.status, 200, activated.text);
  return totpSecret;
}

const passwordSignIn = (server: TestServer, account: Account) =>
  server.call('/v1/signin/email-password', { body: { email: account.email, password: account.password } });

async function ticketFor(server: TestServer, account: Account): Promise<string> {
  const response = await passwordSignIn(server, account);
  assert.equal(response.status, 200, response.text);
  return response.body.mfa.ticket;
}

const secondStep = (server: TestServer, ticket: string, otp: string) =>
  server.call('/v1/signin/mfa/totp', { body: { ticket, otp } });

describe('TOTP enrolment and two-factor sign-in', () => {
  const clock = new TestClock(new Date('2030-01-01T00:00:05Z'));
  const server = suiteServer({ PAVISE_RATE_LIMIT_IP_FAILURES: '1000/300' }, { clock });

  it('generates a pending secret (a QR code and its base32), not active until a code confirms it', async () => {
    const account = await signUp(server);
    const generated = await server.call('/v1/mfa/totp/generate', { token: account.token });
    assert.equal(generated.status, 200, generated.text);
    assert.deepEqual(Object.keys(generated.body), ['imageUrl', 'totpSecret']);
    assert.match(generated.body.imageUrl, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    assert.match(generated.body.totpSecret, /^[A-Z2-7]{32}$/, '160 bits in base32');
    // Pending: the account still signs in with its password alone.
    const user = await server.call('/v1/user', { token: account.token });
    assert.equal(user.body.activeMfaType, null);
    const signIn = await passwordSignIn(server, account);
    assert.equal(signIn.body.mfa, null);
    assert.ok(signIn.body.session.accessToken);

    // A wrong code does not confirm it; a code of the secret does.
    const wrong = await server.call('/v1/user/mfa', {
      token: account.token,
      body: { code: totpCode(generated.body.totpSecret, clock.now() + 10 * STEP_MS), activeMfaType: 'totp' },
    });
    assertAuthError(wrong, 401, 'invalid-totp', 'Invalid TOTP code');
    const activated = await server.call('/v1/user/mfa', {
      token: account.token,
      body: { code: totpCode(generated.body.totpSecret, clock.now()), activeMfaType: 'totp' },
    });
    assert.equal(activated.status, 200, activated.text);
    assert.equal(activated.body, 'OK');
    assert.equal((await server.call('/v1/user', { token: account.token })).body.activeMfaType, 'totp');
    // Active: generating again would replace a secret in use.
    const again = await server.call('/v1/mfa/totp/generate', { token: account.token });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'totp-already-active');
  });

  it('refuses to activate without a generated secret, and without an access token', async () => {
    const account = await signUp(server);
    const none = await server.call('/v1/user/mfa', {
      token: account.token,
      body: { code: '123456', activeMfaType: 'totp' },
    });
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'no-totp-secret');
    const anonymous = await server.call('/v1/mfa/totp/generate');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error, 'unauthorized');
  });

  it('signs in in two steps: a ticket and no session, then the ticket and a code for the session', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);

    const first = await passwordSignIn(server, account);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(Object.keys(first.body), ['session', 'mfa']);
    assert.equal(first.body.session, null);
    assert.match(first.body.mfa.ticket, /^mfaTotp:[A-Za-z0-9_-]{43}$/);

    const second = await secondStep(server, first.body.mfa.ticket, totpCode(secret, clock.now()));
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(Object.keys(second.body), ['session', 'mfa']);
    assert.equal(second.body.mfa, null);
    assert.equal(second.body.session.user.email, account.email);
    assert.equal(second.body.session.user.activeMfaType, 'totp');
    const user = await server.call('/v1/user', { token: second.body.session.accessToken });
    assert.equal(user.status, 200);

    // The ticket is spent.
    clock.advance(STEP_MS);
    const reused = await secondStep(server, first.body.mfa.ticket, totpCode(secret, clock.now()));
    assertAuthError(reused, 401, 'invalid-ticket', 'Invalid ticket');
  });

  it('accepts a code once: the same code again, with a new ticket, is refused', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);
    const code = totpCode(secret, clock.now());
    assert.equal((await secondStep(server, await ticketFor(server, account), code)).status, 200);
    const replayed = await secondStep(server, await ticketFor(server, account), code);
    assertAuthError(replayed, 401, 'invalid-totp', 'Invalid TOTP code');
    // The code that confirmed the secret was spent too (same step as the enrolment's).
    const account2 = await signUp(server);
    const secret2 = await generateOnly(server, account2);
    const enrolCode = totpCode(secret2, clock.now());
    await server.call('/v1/user/mfa', { token: account2.token, body: { code: enrolCode, activeMfaType: 'totp' } });
    const withEnrolCode = await secondStep(server, await ticketFor(server, account2), enrolCode);
    assertAuthError(withEnrolCode, 401, 'invalid-totp', 'Invalid TOTP code');
  });

  it('allows one step of clock skew either way, not two', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(10 * STEP_MS);
    const ticket = await ticketFor(server, account);
    for (const steps of [-2, 2]) {
      const refused = await secondStep(server, ticket, totpCode(secret, clock.now() + steps * STEP_MS));
      assertAuthError(refused, 401, 'invalid-totp', 'Invalid TOTP code');
    }
    const behind = await secondStep(server, ticket, totpCode(secret, clock.now() - STEP_MS));
    assert.equal(behind.status, 200, `one step behind: ${behind.text}`);
    const ahead = await secondStep(server, await ticketFor(server, account), totpCode(secret, clock.now() + STEP_MS));
    assert.equal(ahead.status, 200, `one step ahead: ${ahead.text}`);
  });

  it('lets a ticket expire after five minutes on the server clock', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    const ticket = await ticketFor(server, account);
    clock.advance(300_000);
    const expired = await secondStep(server, ticket, totpCode(secret, clock.now()));
    assertAuthError(expired, 401, 'invalid-ticket', 'Invalid ticket');
    // A ticket taken just now, with the same code, works: only the ticket had expired.
    const fresh = await secondStep(server, await ticketFor(server, account), totpCode(secret, clock.now()));
    assert.equal(fresh.status, 200, fresh.text);
  });

  it('ends a ticket after five wrong codes', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);
    const ticket = await ticketFor(server, account);
    for (let attempt = 0; attempt < 5; attempt++) {
      assert.equal((await secondStep(server, ticket, '000000')).body.error, 'invalid-totp');
    }
    const right = await secondStep(server, ticket, totpCode(secret, clock.now()));
    assertAuthError(right, 401, 'invalid-ticket', 'Invalid ticket');
  });

  it('refuses a made-up ticket with 401 invalid-ticket', async () => {
    for (const ticket of ['mfaTotp:made-up', 'not a ticket']) {
      assertAuthError(await secondStep(server, ticket, '123456'), 401, 'invalid-ticket', 'Invalid ticket');
    }
  });

  it('does not ask a PAT sign-in for a second factor', async () => {
    const account = await signUp(server);
    await enrol(server, clock, account);
    const pat = await server.call('/v1/pat', {
      token: account.token,
      body: { expiresAt: new Date(clock.now() + 86_400_000).toISOString() },
    });
    const signIn = await server.call('/v1/signin/pat', { body: { personalAccessToken: pat.body.personalAccessToken } });
    assert.equal(signIn.status, 200, signIn.text);
    assert.equal(signIn.body.session.user.activeMfaType, 'totp');
  });

  it('deactivates with a current code (not with a wrong one); password sign-in then gives a session again', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);
    const wrong = await server.call('/v1/user/mfa', {
      token: account.token,
      body: { code: '000000', activeMfaType: null },
    });
    assertAuthError(wrong, 401, 'invalid-totp', 'Invalid TOTP code');
    assert.equal((await server.call('/v1/user', { token: account.token })).body.activeMfaType, 'totp');
    const ticket = await ticketFor(server, account);

    const off = await server.call('/v1/user/mfa', {
      token: account.token,
      body: { code: totpCode(secret, clock.now()), activeMfaType: '' },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal((await server.call('/v1/user', { token: account.token })).body.activeMfaType, null);
    const signIn = await passwordSignIn(server, account);
    assert.equal(signIn.body.mfa, null);
    assert.ok(signIn.body.session.accessToken);
    // The ticket taken while it was on is gone with it.
    clock.advance(STEP_MS);
    assert.equal((await secondStep(server, ticket, totpCode(secret, clock.now()))).body.error, 'invalid-ticket');
    // Off already: nothing to turn off.
    const twice = await server.call('/v1/user/mfa', { token: account.token, body: { code: '123456' } });
    assertAuthError(twice, 401, 'disabled-mfa-totp', 'User does not have TOTP MFA enabled');
  });

  it('stores the secret wrapped, never in clear', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    const raw = Buffer.from(Secret.fromBase32(secret).bytes);
    const rows = await server.pavise.db.query<Record<string, unknown>>(
      'SELECT s.* FROM auth.totp_secrets s JOIN auth.users u ON u.id = s.user_id WHERE u.email = $1',
      [account.email],
    );
    assert.equal(rows.length, 1);
    const stored = JSON.stringify(rows[0]);
    const wrapped = Buffer.from(rows[0]!.wrapped_key as Uint8Array);
    assert.ok(wrapped.length > raw.length, 'the wrapping holds the secret');
    assert.equal(wrapped.indexOf(raw), -1);
    assert.ok(!stored.includes(secret));
  });
});

async function generateOnly(server: TestServer, account: Account): Promise<string> {
  const generated = await server.call('/v1/mfa/totp/generate', { token: account.token });
  assert.equal(generated.status, 200, generated.text);
  return generated.body.totpSecret;
}

describe('TOTP codes and the sign-in rate limits', () => {
  const clock = new TestClock(new Date('2030-01-01T00:00:05Z'));
  const server = suiteServer({ PAVISE_RATE_LIMIT_IP_FAILURES: '3/300' }, { clock });

  it('counts a wrong code as a failed sign-in of the client IP: 429 once the limit is reached', async () => {
    const account = await signUp(server);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);
    const ticket = await ticketFor(server, account);
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await secondStep(server, ticket, '000000')).status, 401);
    }
    const limited = await secondStep(server, ticket, totpCode(secret, clock.now()));
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.body.error, 'too-many-requests');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // Once the window (and the one before it, which a sliding window weighs) has passed, the right code signs in.
    clock.advance(600_000);
    const later = await secondStep(server, await ticketFor(server, account), totpCode(secret, clock.now()));
    assert.equal(later.status, 200, later.text);
  });
});

describe('an organisation that requires two-factor sign-in (docs/contracts.md §6.2)', () => {
  const clock = new TestClock(new Date('2030-01-01T00:00:05Z'));
  const server = forSuite(() =>
    startPrivacyServer({ PAVISE_RATE_LIMIT_IP_FAILURES: '1000/300' }, undefined, { clock }),
  );
  let org: Controller;
  let member: Member;
  let subjectId: string;
  let projectId: string;
  const asAccount = (m: Member): Account => ({ email: m.email, password: m.password, token: m.token });
  const requireMfa = (token: string, value: boolean) =>
    server.gql(
      'mutation($id: uuid!, $v: Boolean!) { updateDataController(pk_columns: {id: $id}, _set: {requireMfa: $v}) { id requireMfa } }',
      { id: org.controllerId, v: value },
      { token },
    );
  /** What a member can reach of the organisation, on every surface. */
  const reach = async (token: string) => {
    const graphql = await server
      .gqlData(
        `query($id: uuid!) {
         dataControllers { id requireMfa }
         dataSubjects { id }
         dataControllerUsers { userId }
         score: dataControllerComplianceScore(dataControllerId: $id) { score }
       }`,
        { id: org.controllerId },
        { token },
      )
      .catch((error: Error) => error.message);
    const rest = await server.call(`/api/rest/getdatasubjectscountbycontroller?dataControllerId=${org.controllerId}`, {
      token,
    });
    const vault = await vaultClient(server, token).read(projectId, 'development');
    return { graphql, rest, vault };
  };

  before(async () => {
    org = await server.newController('Strict Org');
    member = await server.memberWithRole(org.controllerId, 'dataController');
    subjectId = await server.createSubject({ token: org.owner.token }, org.controllerId, {
      email: 'subject@example.com',
    });
    const owner = vaultClient(server, org.owner.token);
    projectId = (await owner.createProject('Strict project', { dataControllerId: org.controllerId })).id;
    await writeSecrets(owner, projectId, 'development', { API_KEY: 'strict-secret' });
  });

  it('is off by default: a member without TOTP reaches the data', async () => {
    const { graphql, rest, vault } = await reach(member.token);
    assert.deepEqual(graphql.dataControllers, [{ id: org.controllerId, requireMfa: false }]);
    assert.equal(graphql.dataSubjects.length, 1);
    assert.equal(rest.status, 200);
    assert.equal(rest.body.data.dataSubjectsAggregate.aggregate.count, 1);
    assert.deepEqual(vault.body, { API_KEY: 'strict-secret' });
  });

  it('cannot be turned on by an owner without TOTP (it would lock them out)', async () => {
    const refused = await requireMfa(org.owner.token, true);
    assert.equal(refused.body.errors?.[0]?.extensions.code, 'permission-error', refused.text);
    const { graphql } = await reach(member.token);
    assert.equal(graphql.dataControllers[0].requireMfa, false, 'nothing changed');
  });

  it('once an owner with TOTP turns it on, refuses a member without TOTP on the next request, explicably', async () => {
    await enrol(server, clock, asAccount(org.owner));
    const on = await requireMfa(org.owner.token, true);
    assert.deepEqual(on.body, { data: { updateDataController: { id: org.controllerId, requireMfa: true } } }, on.text);

    // The member's token was issued before, and is still valid: the refusal does not wait for it.
    const { graphql, rest, vault } = await reach(member.token);
    assert.match(String(graphql), /This organisation requires two-factor sign-in/, 'the action says why');
    const rows = await server.gqlData(
      '{ dataControllers { id requireMfa } dataSubjects { id } dataControllerUsers { userId } }',
      {},
      { token: member.token },
    );
    assert.deepEqual(rows, {
      // The organisation is still seen, with the flag that says why nothing else is.
      dataControllers: [{ id: org.controllerId, requireMfa: true }],
      dataSubjects: [],
      dataControllerUsers: [],
    });
    assert.equal(rest.status, 200);
    assert.equal(rest.body.data.dataSubjectsAggregate.aggregate.count, 0);
    assert.equal(vault.status, 403, vault.text);
    assert.match(vault.body.error, /This organisation requires two-factor sign-in/);
    const memberVault = vaultClient(server, member.token);
    assert.deepEqual((await memberVault.listProjects()).body, []);
    for (const refused of [
      await memberVault.audit({ dataControllerId: org.controllerId }),
      await memberVault.postProject({ name: 'Sneaky', dataControllerId: org.controllerId }),
    ]) {
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.body.error, /This organisation requires two-factor sign-in/);
    }

    // Actions say so in their own error.
    const created = await server.gql(
      'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId } }',
      { input: { event: 'signup', dataControllerId: org.controllerId, payload: { email: 'new@example.com' } } },
      { token: member.token },
    );
    assert.equal(created.body.errors[0].extensions.code, 'two-factor-required', created.text);
    assert.match(created.body.errors[0].message, /^This organisation requires two-factor sign-in/);
    const exported = await server.gql(
      'mutation($id: uuid!) { exportDataSubjectData(dataSubjectId: $id) { status } }',
      { id: subjectId },
      { token: member.token },
    );
    assert.equal(exported.body.errors[0].extensions.code, 'two-factor-required', exported.text);
    // Nor can the member change the organisation.
    const update = await server.gql(
      'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {title: "Taken"}) { id } }',
      { id: org.controllerId },
      { token: member.token },
    );
    assert.deepEqual(update.body, { data: { updateDataController: null } });

    // The owner, with TOTP, still reaches everything.
    const owner = await reach(org.owner.token);
    assert.equal(owner.graphql.dataSubjects.length, 1);
    assert.equal(owner.vault.status, 200);
  });

  it('lets the member sign in and enrol; with TOTP on, the member is back', async () => {
    const account = asAccount(member);
    // Password sign-in still works while the member has no TOTP, and enrolling needs only the session.
    assert.equal((await passwordSignIn(server, account)).status, 200);
    const secret = await enrol(server, clock, account);
    clock.advance(STEP_MS);
    const ticket = await ticketFor(server, account);
    const session = (await secondStep(server, ticket, totpCode(secret, clock.now()))).body.session;

    const { graphql, rest, vault } = await reach(session.accessToken);
    assert.deepEqual(graphql.dataControllers, [{ id: org.controllerId, requireMfa: true }]);
    assert.equal(graphql.dataSubjects.length, 1);
    assert.equal(graphql.score.score >= 0, true);
    assert.equal(rest.body.data.dataSubjectsAggregate.aggregate.count, 1);
    assert.deepEqual(vault.body, { API_KEY: 'strict-secret' });
    const created = await server.createSubject({ token: session.accessToken }, org.controllerId, {
      email: 'second@example.com',
    });
    assert.ok(created);
  });

  it('lets a member without TOTP back in once it is turned off', async () => {
    const other = await server.memberWithRole(org.controllerId, 'member');
    assert.deepEqual((await reach(other.token)).graphql.dataSubjects ?? 'refused', 'refused');
    assert.equal((await requireMfa(org.owner.token, false)).body.data.updateDataController.requireMfa, false);
    const { graphql } = await reach(other.token);
    assert.equal(graphql.dataSubjects.length, 2);
  });
});
