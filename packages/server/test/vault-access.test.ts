import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateToken } from '../src/auth/tokens.js';
import type { Response } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';
import { type Tenant, twoTenants } from './helpers/tenants.js';
import {
  addMember,
  assertCreated,
  assertError,
  createPat,
  type Project,
  signUp,
  type VaultClient,
  vaultClient,
  writeSecrets,
} from './helpers/vault.js';

/**
 * Who may do what in the vault, through HTTP: tenant isolation, organisation roles, service
 * accounts, access tokens and bad credentials. The request/response shapes themselves are in
 * vault-api.test.ts.
 */

/** A value that must never appear in an answer to someone who may not read it. */
const SECRET_VALUE = 'TOP-SECRET-do-not-leak-7f3a';

/** The parts of a project a foreign caller aims at. */
interface Target {
  projectId: string;
  accountId: string;
  keyId: string;
  dataControllerId: string | undefined;
}

/** The token with its last checksum character changed. */
const withBadChecksum = (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

/** Asserts a refusal (403 or 404, as the contract allows) with an {error} and no secret value. */
function assertRefused(response: Response, what: string): void {
  assert.ok(
    response.status === 403 || response.status === 404,
    `${what}: expected 403 or 404, got ${response.status}: ${response.text}`,
  );
  assertError(response, response.status);
  assert.ok(!response.text.includes(SECRET_VALUE), `${what}: the answer carries the secret value`);
}

describe('vault access control', () => {
  const server = suiteServer();
  let a: Tenant;
  let b: Tenant;
  /** Tenant A's owner, with the bootstrap PAT. */
  let owner: VaultClient;

  /** A project of the owner with a production secret, a branch and a service account with a key. */
  async function seededProject(name: string, dataControllerId?: string): Promise<Target & { project: Project }> {
    const project = await owner.createProject(name, dataControllerId ? { dataControllerId } : {});
    await writeSecrets(owner, project.id, 'production', { SECRET: SECRET_VALUE, OTHER: 'other' });
    await writeSecrets(owner, project.id, 'production', { SECRET: SECRET_VALUE });
    assert.equal((await owner.createBranch(project.id, 'feature')).status, 201);
    await writeSecrets(owner, project.id, 'production', { SECRET: SECRET_VALUE }, { branch: 'feature' });
    const account = await owner.createServiceAccount(project.id, { name: 'ci', permissions: ['read:secrets'] });
    assert.equal(account.status, 201, account.text);
    const key = await owner.createKey(project.id, account.body.id);
    assert.equal(key.status, 201, key.text);
    return { project, projectId: project.id, accountId: account.body.id, keyId: key.body.id, dataControllerId };
  }

  /** Everything a foreign caller could change, as the owner sees it. */
  async function ownerView(target: Target) {
    const [main, feature, branches, accounts, keys, history] = await Promise.all([
      owner.read(target.projectId, 'production', { includeVersions: true }),
      owner.read(target.projectId, 'production', { includeVersions: true, branch: 'feature' }),
      owner.listBranches(target.projectId),
      owner.listServiceAccounts(target.projectId),
      owner.listKeys(target.projectId, target.accountId),
      owner.history(target.projectId, 'production', 'SECRET'),
    ]);
    for (const response of [main, feature, branches, accounts, keys, history])
      assert.equal(response.status, 200, response.text);
    return {
      main: main.body,
      feature: feature.body,
      branches: branches.body,
      accounts: accounts.body,
      keys: keys.body,
      history: history.body.history,
    };
  }

  before(async () => {
    ({ a, b } = await twoTenants(server));
    owner = vaultClient(server, server.bootstrap!.pat);
  });

  describe('tenant isolation: another user’s token', () => {
    let personal: Target;
    let organisation: Target;
    let intruder: VaultClient;

    before(async () => {
      personal = await seededProject('isolated personal');
      organisation = await seededProject('isolated organisation', a.controllerId);
      intruder = vaultClient(server, b.token);
      // The intruder is a full owner of an organisation of its own, with a project there.
      await intruder.createProject('B’s own', { dataControllerId: b.controllerId });
    });

    const cases: [string, (client: VaultClient, target: Target) => Promise<Response>][] = [
      ['get the project by path', (c, t) => c.getProject(t.projectId)],
      ['get the project by ?id=', (c, t) => c.getProjectById(t.projectId)],
      ['read the secrets', (c, t) => c.read(t.projectId, 'production')],
      ['read the secrets with versions', (c, t) => c.read(t.projectId, 'production', { includeVersions: true })],
      ['read the secrets of a branch', (c, t) => c.read(t.projectId, 'production', { branch: 'feature' })],
      ['write a secret', (c, t) => c.write(t.projectId, 'production', { SECRET: 'overwritten', NEW: 'planted' })],
      [
        'write a secret with expectedVersions',
        (c, t) => c.write(t.projectId, 'production', { SECRET: 'overwritten' }, { expectedVersions: { SECRET: 2 } }),
      ],
      [
        'write a secret in a branch',
        (c, t) => c.write(t.projectId, 'production', { SECRET: 'overwritten' }, { branch: 'feature' }),
      ],
      ['read one key', (c, t) => c.getKey(t.projectId, 'production', 'SECRET')],
      ['delete one key', (c, t) => c.deleteKey(t.projectId, 'production', 'SECRET')],
      ['delete one key in a branch', (c, t) => c.deleteKey(t.projectId, 'production', 'SECRET', { branch: 'feature' })],
      ['read a key’s history', (c, t) => c.history(t.projectId, 'production', 'SECRET')],
      ['roll a key back', (c, t) => c.rollback(t.projectId, 'production', 'SECRET', { version: 1 })],
      ['list the branches', (c, t) => c.listBranches(t.projectId)],
      ['create a branch', (c, t) => c.createBranch(t.projectId, 'planted')],
      ['delete a branch', (c, t) => c.deleteBranch(t.projectId, 'feature')],
      ['list the service accounts', (c, t) => c.listServiceAccounts(t.projectId)],
      [
        'create a service account',
        (c, t) =>
          c.createServiceAccount(t.projectId, { name: 'planted', permissions: ['read:secrets', 'write:secrets'] }),
      ],
      ['delete a service account', (c, t) => c.deleteServiceAccount(t.projectId, t.accountId)],
      ['list a service account’s keys', (c, t) => c.listKeys(t.projectId, t.accountId)],
      ['issue a service-account key', (c, t) => c.createKey(t.projectId, t.accountId)],
      ['revoke a service-account key', (c, t) => c.revokeKey(t.projectId, t.accountId, t.keyId)],
      ['read the project’s audit trail', (c, t) => c.audit({ projectId: t.projectId })],
    ];

    for (const [what, send] of cases) {
      it(`cannot ${what}: 404 or 403, no value, nothing changed`, async () => {
        for (const target of [personal, organisation]) {
          const before = await ownerView(target);
          assertRefused(
            await send(intruder, target),
            `${what} (${target.dataControllerId ? 'organisation' : 'personal'})`,
          );
          assert.deepEqual(await ownerView(target), before, `${what}: the project is unchanged`);
        }
      });
    }

    it('cannot read or verify the organisation’s audit trail by data controller: 404', async () => {
      assertRefused(await intruder.audit({ dataControllerId: a.controllerId }), 'audit');
      assertRefused(await intruder.verifyAudit({ dataControllerId: a.controllerId }), 'verify');
    });

    it('does not see the other tenant’s projects in its list', async () => {
      const response = await intruder.listProjects();
      assert.equal(response.status, 200, response.text);
      const names = (response.body as Project[]).map((p) => p.name);
      assert.deepEqual(names, ['B’s own']);
      const filtered = await intruder.listProjects({ dataControllerId: a.controllerId });
      assert.deepEqual(filtered.body, []);
    });

    it('cannot create a project in the other tenant’s organisation: 404, nothing created', async () => {
      assertRefused(
        await intruder.postProject({ name: 'planted', dataControllerId: a.controllerId }),
        'create project',
      );
      const names = ((await owner.listProjects({ dataControllerId: a.controllerId })).body as Project[]).map(
        (p) => p.name,
      );
      assert.ok(!names.includes('planted'), `projects: ${names.join(', ')}`);
    });

    it('is refused the same way with a personal access token of its own', async () => {
      const viaPat = vaultClient(server, (await createPat(server, b.token)).personalAccessToken);
      assert.equal((await viaPat.listProjects()).status, 200, 'the PAT is valid');
      for (const target of [personal, organisation]) {
        assertRefused(await viaPat.read(target.projectId, 'production'), 'read with a PAT');
        assertRefused(await viaPat.getKey(target.projectId, 'production', 'SECRET'), 'read one key with a PAT');
      }
    });

    it('keeps the owner’s access: the controls can pass', async () => {
      for (const target of [personal, organisation]) {
        const response = await owner.getKey(target.projectId, 'production', 'SECRET');
        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.value, SECRET_VALUE);
      }
    });
  });

  describe('organisation roles', () => {
    const roles = ['admin', 'businessOwner', 'developer', 'member', 'auditor'] as const;
    type Role = (typeof roles)[number] | 'owner';
    const clients = {} as Record<Role, VaultClient>;
    let target: Target;

    before(async () => {
      target = await seededProject('roles', a.controllerId);
      clients.owner = owner;
      for (const role of roles) {
        const user = await signUp(server, `${role.toLowerCase()}@example.com`);
        await addMember(server, a.controllerId, user.userId, role);
        clients[role] = vaultClient(server, user.token);
      }
    });

    /** A fresh branch name per call, so that tests that create branches do not collide. */
    let branchCount = 0;
    const nextBranch = () => `role-branch-${++branchCount}`;

    const expectedRole: Record<Role, string> = {
      owner: 'owner',
      admin: 'admin',
      businessOwner: 'admin',
      developer: 'developer',
      member: 'viewer',
      auditor: 'viewer',
    };
    for (const [role, projectRole] of Object.entries(expectedRole) as [Role, string][]) {
      it(`reports the ${role}’s role in the project as ${projectRole}`, async () => {
        const response = await clients[role].getProject(target.projectId);
        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.role, projectRole);
        const listed = ((await clients[role].listProjects()).body as Project[]).find((p) => p.id === target.projectId);
        assert.equal(listed?.role, projectRole, 'the organisation’s project is in the member’s list');
      });
    }

    for (const role of ['owner', ...roles] as Role[]) {
      it(`lets the ${role} read secrets, one key, history and branches`, async () => {
        const client = clients[role];
        assert.deepEqual((await client.read(target.projectId, 'production')).body, {
          SECRET: SECRET_VALUE,
          OTHER: 'other',
        });
        assert.equal((await client.getKey(target.projectId, 'production', 'SECRET')).body.value, SECRET_VALUE);
        assert.equal((await client.history(target.projectId, 'production', 'SECRET')).status, 200);
        assert.equal((await client.listBranches(target.projectId)).status, 200);
      });
    }

    for (const role of ['owner', 'admin', 'businessOwner', 'developer'] as Role[]) {
      it(`lets the ${role} write, delete, roll back and manage branches`, async () => {
        const client = clients[role];
        const key = `WRITTEN_BY_${role.toUpperCase()}`;
        await writeSecrets(client, target.projectId, 'staging', { [key]: 'one' });
        await writeSecrets(client, target.projectId, 'staging', { [key]: 'two' });
        assert.equal((await client.rollback(target.projectId, 'staging', key, { version: 1 })).status, 200);
        assert.equal((await client.deleteKey(target.projectId, 'staging', key)).status, 200);
        const branch = nextBranch();
        assert.equal((await client.createBranch(target.projectId, branch)).status, 201);
        assert.equal((await client.deleteBranch(target.projectId, branch)).status, 200);
      });
    }

    for (const role of ['owner', 'admin', 'businessOwner'] as Role[]) {
      it(`lets the ${role} administer service accounts and create organisation projects`, async () => {
        const client = clients[role];
        const account = await client.createServiceAccount(target.projectId, {
          name: `sa-of-${role}`,
          permissions: ['read:secrets'],
        });
        assert.equal(account.status, 201, account.text);
        assert.equal((await client.listServiceAccounts(target.projectId)).status, 200);
        assert.equal((await client.createKey(target.projectId, account.body.id)).status, 201);
        assert.equal((await client.deleteServiceAccount(target.projectId, account.body.id)).status, 200);
        const project = await client.createProject(`project of ${role}`, { dataControllerId: a.controllerId });
        assert.equal(project.workspace, 'organisation');
      });
    }

    it('gives organisation members no access to a member’s personal projects: 404', async () => {
      const personal = await seededProject('owner’s personal, not the organisation’s');
      for (const role of roles) {
        assertRefused(
          await clients[role].read(personal.projectId, 'production'),
          `${role} reads the owner’s personal project`,
        );
        assertRefused(await clients[role].getProject(personal.projectId), `${role} gets the owner’s personal project`);
      }
    });

    it('withdraws access as soon as the membership is removed', async () => {
      const user = await signUp(server, 'leaver@example.com');
      await addMember(server, a.controllerId, user.userId, 'developer');
      const leaver = vaultClient(server, user.token);
      assert.equal((await leaver.read(target.projectId, 'production')).status, 200, 'a member reads');
      await server.pavise.db.query(
        'DELETE FROM public.data_controller_users WHERE data_controller_id = $1 AND user_id = $2',
        [a.controllerId, user.userId],
      );
      assertRefused(await leaver.read(target.projectId, 'production'), 'a former member reads');
      assertRefused(
        await leaver.write(target.projectId, 'production', { SECRET: 'overwritten' }),
        'a former member writes',
      );
      assert.equal((await owner.getKey(target.projectId, 'production', 'SECRET')).body.value, SECRET_VALUE);
    });

    it('refuses the developer anything administrative: 403 with a clear message', async () => {
      const client = clients.developer;
      const refusals = [
        await client.listServiceAccounts(target.projectId),
        await client.createServiceAccount(target.projectId, { name: 'by-developer', permissions: ['read:secrets'] }),
        await client.createKey(target.projectId, target.accountId),
        await client.revokeKey(target.projectId, target.accountId, target.keyId),
        await client.deleteServiceAccount(target.projectId, target.accountId),
      ];
      for (const response of refusals) assertError(response, 403, /\(developer\) may not administer the project/);
      assertError(
        await client.postProject({ name: 'by developer', dataControllerId: a.controllerId }),
        403,
        /\(developer\) may not create projects/,
      );
      assert.equal(
        (await owner.listKeys(target.projectId, target.accountId)).body.length,
        1,
        'the key was not revoked',
      );
    });

    for (const role of ['member', 'auditor'] as Role[]) {
      it(`refuses the ${role} every change: 403 "may not change secrets", nothing changed`, async () => {
        const client = clients[role];
        const before = await ownerView(target);
        const refusals = [
          await client.write(target.projectId, 'production', { SECRET: 'overwritten' }),
          await client.write(target.projectId, 'production', { NEW: 'planted' }, { branch: 'feature' }),
          await client.deleteKey(target.projectId, 'production', 'SECRET'),
          await client.rollback(target.projectId, 'production', 'SECRET', { version: 1 }),
          await client.createBranch(target.projectId, nextBranch()),
          await client.deleteBranch(target.projectId, 'feature'),
        ];
        for (const response of refusals) {
          assertError(
            response,
            403,
            /Your role in this project \(viewer\) may not change secrets or branches; ask an owner or admin/,
          );
        }
        assert.deepEqual(await ownerView(target), before);
      });

      it(`refuses the ${role} service accounts and new organisation projects: 403`, async () => {
        const client = clients[role];
        assertError(await client.listServiceAccounts(target.projectId), 403, /may not administer/);
        assertError(
          await client.createServiceAccount(target.projectId, { name: `by-${role}`, permissions: ['read:secrets'] }),
          403,
          /may not administer/,
        );
        assertError(
          await client.postProject({ name: `by ${role}`, dataControllerId: a.controllerId }),
          403,
          /may not create projects/,
        );
      });
    }

    for (const [role, allowed] of [
      ['owner', true],
      ['admin', true],
      ['businessOwner', true],
      ['auditor', true],
      ['developer', false],
      ['member', false],
    ] as [Role, boolean][]) {
      it(`${allowed ? 'lets' : 'refuses'} the ${role} ${allowed ? 'read' : '(403)'} the organisation’s audit trail`, async () => {
        const response = await clients[role].audit({ dataControllerId: a.controllerId });
        const byProject = await clients[role].audit({ projectId: target.projectId });
        if (allowed) {
          assert.equal(response.status, 200, response.text);
          assert.equal(byProject.status, 200, byProject.text);
          // The seeded project's creation, writes, branch and service account are audited: "only this project" is judged on them.
          assert.ok(byProject.body.data.length > 0, `the project's audit trail is empty: ${byProject.text}`);
          assert.ok(byProject.body.data.every((entry: { projectId: string }) => entry.projectId === target.projectId));
        } else {
          assertError(response, 403, /may not read its audit trail/);
          assertError(byProject, 403, /may not read its audit trail/);
        }
      });
    }
  });

  describe('service accounts', () => {
    let target: Target;
    let other: Project;
    let foreign: Project;

    /** A service account of `target` with the given permissions, and one key for it. */
    async function accountWithKey(
      name: string,
      permissions: string[],
    ): Promise<{ accountId: string; keyId: string; key: string }> {
      const account = await owner.createServiceAccount(target.projectId, { name, permissions });
      assert.equal(account.status, 201, account.text);
      const key = await owner.createKey(target.projectId, account.body.id);
      assert.equal(key.status, 201, key.text);
      return { accountId: account.body.id, keyId: key.body.id, key: key.body.key };
    }

    before(async () => {
      target = await seededProject('service accounts');
      other = await owner.createProject('another of the owner’s');
      await writeSecrets(owner, other.id, 'production', { SECRET: SECRET_VALUE });
      const intruder = vaultClient(server, b.token);
      foreign = await intruder.createProject('foreign');
      await writeSecrets(intruder, foreign.id, 'production', { SECRET: SECRET_VALUE });
    });

    it('creates an account: 201 {id, name, description, permissions, projectId, createdAt}', async () => {
      const response = await owner.createServiceAccount(target.projectId, {
        name: 'deployer',
        description: 'CD',
        permissions: ['read:secrets', 'write:secrets'],
      });
      assertCreated(response, ['id', 'name', 'description', 'permissions', 'projectId', 'createdAt']);
      assert.deepEqual(
        [response.body.name, response.body.description, response.body.permissions, response.body.projectId],
        ['deployer', 'CD', ['read:secrets', 'write:secrets'], target.projectId],
      );
      const listed = (await owner.listServiceAccounts(target.projectId)).body.map((s: { name: string }) => s.name);
      assert.ok(listed.includes('deployer'));
    });

    it('refuses an account without a name, with unknown permissions, or a duplicate name', async () => {
      assertError(await owner.createServiceAccount(target.projectId, { permissions: ['read:secrets'] }), 400, /name/);
      assertError(
        await owner.createServiceAccount(target.projectId, { name: 'x', permissions: ['admin'] }),
        400,
        /permissions/,
      );
      assertError(
        await owner.createServiceAccount(target.projectId, { name: 'x', permissions: [] }),
        400,
        /permissions/,
      );
      assertError(
        await owner.createServiceAccount(target.projectId, { name: 'ci', permissions: ['read:secrets'] }),
        409,
        /already exists/,
      );
    });

    it('issues a key shown once: 201 {key: "pavise_sa_…"}, listed afterwards by its hint only', async () => {
      const { accountId, keyId, key } = await accountWithKey('shown-once', ['read:secrets']);
      assert.match(key, /^pavise_sa_[0-9A-Za-z]{37}$/);
      const listed = await owner.listKeys(target.projectId, accountId);
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        listed.body.map((k: { id: string }) => k.id),
        [keyId],
      );
      assert.ok(!listed.text.includes(key), 'the list does not carry the key');
    });

    it('answers 404 for keys of an unknown account', async () => {
      assertError(await owner.createKey(target.projectId, '00000000-0000-0000-0000-000000000001'), 404, /not found/);
      assertError(await owner.listKeys(target.projectId, 'not-an-id'), 404, /not found/);
    });

    for (const via of ['api-key', 'bearer'] as const) {
      it(`lets a read:secrets key read its project with ${via === 'api-key' ? 'X-API-Key' : 'Authorization: Bearer'}`, async () => {
        const { key } = await accountWithKey(`reader-${via}`, ['read:secrets']);
        const machine = vaultClient(server, key, via);
        const read = await machine.read(target.projectId, 'production');
        assert.equal(read.status, 200, read.text);
        assert.deepEqual(read.body, { SECRET: SECRET_VALUE, OTHER: 'other' });
        assert.equal(
          (await machine.getKey(target.projectId, 'production', 'SECRET', { branch: 'feature' })).body.value,
          SECRET_VALUE,
        );
        assert.equal((await machine.history(target.projectId, 'production', 'SECRET')).status, 200);
        assert.equal((await machine.listBranches(target.projectId)).status, 200);
        const project = await machine.getProject(target.projectId);
        assert.equal(project.status, 200, project.text);
        assert.equal(project.body.role, 'service-account');
      });
    }

    it('refuses a read:secrets key every change: 403, nothing changed', async () => {
      const { key } = await accountWithKey('read-only', ['read:secrets']);
      const before = await ownerView(target);
      for (const via of ['api-key', 'bearer'] as const) {
        const machine = vaultClient(server, key, via);
        const refusals = [
          await machine.write(target.projectId, 'production', { SECRET: 'overwritten' }),
          await machine.deleteKey(target.projectId, 'production', 'SECRET'),
          await machine.rollback(target.projectId, 'production', 'SECRET', { version: 1 }),
          await machine.createBranch(target.projectId, 'by-machine'),
          await machine.deleteBranch(target.projectId, 'feature'),
        ];
        for (const response of refusals)
          assertError(
            response,
            403,
            /This service account may not change secrets or branches: its permissions are read:secrets/,
          );
      }
      assert.deepEqual(await ownerView(target), before);
    });

    it('refuses a key the project list and project creation: 403', async () => {
      const { key } = await accountWithKey('no-list', ['read:secrets']);
      const machine = vaultClient(server, key, 'api-key');
      assertError(await machine.listProjects(), 403, /Service accounts/);
      assertError(await machine.postProject({ name: 'by machine' }), 403, /Service accounts/);
    });

    it('refuses a key administration and the audit trail: 403', async () => {
      const { accountId, key } = await accountWithKey('no-admin', ['read:secrets', 'write:secrets']);
      const machine = vaultClient(server, key, 'api-key');
      assertError(await machine.listServiceAccounts(target.projectId), 403, /may not administer/);
      assertError(await machine.createKey(target.projectId, accountId), 403, /may not administer/);
      assertError(
        await machine.audit({ projectId: target.projectId }),
        403,
        /Service accounts cannot read the audit trail/,
      );
      assertError(await machine.audit(), 403, /Service accounts cannot read the audit trail/);
      assertError(await machine.verifyAudit(), 403, /Service accounts cannot read the audit trail/);
    });

    it('locks a key to its project: another project of the same owner, or of another user, is refused without a value', async () => {
      const { key } = await accountWithKey('locked', ['read:secrets', 'write:secrets']);
      const machine = vaultClient(server, key, 'api-key');
      for (const project of [other, foreign]) {
        assertRefused(await machine.read(project.id, 'production'), `read ${project.name}`);
        assertRefused(await machine.getKey(project.id, 'production', 'SECRET'), `read one key of ${project.name}`);
        assertRefused(await machine.getProject(project.id), `get ${project.name}`);
        assertRefused(
          await machine.write(project.id, 'production', { SECRET: 'overwritten' }),
          `write ${project.name}`,
        );
      }
      assert.equal((await owner.getKey(other.id, 'production', 'SECRET')).body.version, 1, 'nothing was written');
    });

    it('lets a write:secrets key write, recorded in the audit trail as the service account', async () => {
      const { accountId, key } = await accountWithKey('writer', ['read:secrets', 'write:secrets']);
      const machine = vaultClient(server, key, 'api-key');
      await writeSecrets(machine, target.projectId, 'staging', { FROM_CI: 'ci' });
      const [latest] = (await owner.audit({ projectId: target.projectId, pageSize: 1 })).body.data;
      assert.deepEqual(
        [latest.action, latest.actor, latest.keys],
        ['secrets.write', `service-account:${accountId}`, ['FROM_CI']],
      );
      assert.equal((await owner.getKey(target.projectId, 'staging', 'FROM_CI')).body.value, 'ci');
    });

    it('refuses a write:secrets-only key reading: 403', async () => {
      const { key } = await accountWithKey('write-only', ['write:secrets']);
      const machine = vaultClient(server, key, 'api-key');
      assertError(await machine.read(target.projectId, 'production'), 403, /may not read secrets/);
      assertError(await machine.getKey(target.projectId, 'production', 'SECRET'), 403, /may not read secrets/);
    });

    it('answers 401 to a revoked key, and keeps the account’s other keys working', async () => {
      const { accountId, keyId, key } = await accountWithKey('revoked', ['read:secrets']);
      const second = await owner.createKey(target.projectId, accountId);
      assert.equal(
        (await vaultClient(server, key, 'api-key').read(target.projectId, 'production')).status,
        200,
        'the key works before',
      );
      const revoked = await owner.revokeKey(target.projectId, accountId, keyId);
      assert.equal(revoked.status, 200, revoked.text);
      assert.deepEqual(revoked.body, { success: true });
      for (const via of ['api-key', 'bearer'] as const) {
        const response = await vaultClient(server, key, via).read(target.projectId, 'production');
        assertError(response, 401);
        assert.ok(!response.text.includes(SECRET_VALUE));
      }
      assert.equal(
        (await vaultClient(server, second.body.key, 'api-key').read(target.projectId, 'production')).status,
        200,
      );
      assertError(await owner.revokeKey(target.projectId, accountId, keyId), 404);
    });

    it('answers 401 to the key of a deleted account', async () => {
      const { accountId, key } = await accountWithKey('deleted', ['read:secrets']);
      assert.equal((await owner.deleteServiceAccount(target.projectId, accountId)).status, 200);
      assertError(await vaultClient(server, key, 'api-key').read(target.projectId, 'production'), 401);
      assertError(await owner.deleteServiceAccount(target.projectId, accountId), 404);
    });

    it('answers 401 to an expired key', async () => {
      const account = await owner.createServiceAccount(target.projectId, {
        name: 'expiring',
        permissions: ['read:secrets'],
      });
      const issued = await owner.createKey(target.projectId, account.body.id, { expiresInDays: 1 });
      assert.equal(issued.status, 201, issued.text);
      assert.ok(issued.body.expiresAt > new Date().toISOString());
      assert.equal(
        (await vaultClient(server, issued.body.key, 'api-key').read(target.projectId, 'production')).status,
        200,
      );
      await server.pavise.db.query(
        "UPDATE vault.service_account_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
        [issued.body.id],
      );
      assertError(await vaultClient(server, issued.body.key, 'api-key').read(target.projectId, 'production'), 401);
    });
  });

  describe('user credentials', () => {
    let project: Project;
    before(async () => {
      project = await owner.createProject('credentials');
      await writeSecrets(owner, project.id, 'production', { SECRET: SECRET_VALUE });
    });

    it('accepts an access token from /v1/signin/pat like the PAT it came from', async () => {
      const signIn = await server.call('/v1/signin/pat', { body: { personalAccessToken: server.bootstrap!.pat } });
      assert.equal(signIn.status, 200, signIn.text);
      const viaJwt = vaultClient(server, signIn.body.session.accessToken);
      const read = await viaJwt.read(project.id, 'production');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body, (await owner.read(project.id, 'production')).body);
      assert.equal((await viaJwt.getProject(project.id)).body.role, 'owner');
      await writeSecrets(viaJwt, project.id, 'staging', { BY_JWT: 'jwt' });
      assert.equal((await owner.getKey(project.id, 'staging', 'BY_JWT')).body.value, 'jwt');
    });

    it('accepts the PAT and the access token in X-API-Key as well', async () => {
      assert.deepEqual(
        (await vaultClient(server, server.bootstrap!.pat, 'api-key').read(project.id, 'production')).body,
        { SECRET: SECRET_VALUE },
      );
      assert.deepEqual((await vaultClient(server, a.token, 'api-key').read(project.id, 'production')).body, {
        SECRET: SECRET_VALUE,
      });
    });

    it('answers 401 {error} without credentials, on every kind of route', async () => {
      const anonymous = vaultClient(server, undefined);
      const responses = [
        await anonymous.read(project.id, 'production'),
        await anonymous.write(project.id, 'production', { SECRET: 'overwritten' }),
        await anonymous.getKey(project.id, 'production', 'SECRET'),
        await anonymous.deleteKey(project.id, 'production', 'SECRET'),
        await anonymous.listProjects(),
        await anonymous.getProject(project.id),
        await anonymous.postProject({ name: 'anonymous' }),
        await anonymous.listBranches(project.id),
        await anonymous.listServiceAccounts(project.id),
        await anonymous.audit(),
      ];
      for (const response of responses) assertError(response, 401, /Bearer <token>/);
      assert.equal((await owner.getKey(project.id, 'production', 'SECRET')).body.version, 1);
    });

    const malformed: [string, Record<string, string>][] = [
      ['an empty Bearer', { authorization: 'Bearer ' }],
      ['a Basic header', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['a Bearer with no token', { authorization: 'Bearer' }],
      ['a Bearer that is not a Pavise token', { authorization: 'Bearer hello-world-not-a-token' }],
      ['a truncated PAT', { authorization: `Bearer ${generateToken('pat').slice(0, -3)}` }],
      ['a PAT with a bad checksum', { authorization: `Bearer ${withBadChecksum(generateToken('pat'))}` }],
      ['a well-formed PAT nobody was given', { authorization: `Bearer ${generateToken('pat')}` }],
      ['a well-formed service-account key nobody was given', { 'x-api-key': generateToken('sa') }],
      ['an X-API-Key that is not a token', { 'x-api-key': 'secret' }],
      ['a refresh token', { authorization: `Bearer ${generateToken('rt')}` }],
      ['a JWT with a forged signature', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }],
    ];
    for (const [what, headers] of malformed) {
      it(`answers 401 {error} to ${what}, without echoing it`, async () => {
        const response = await server.call(`/api/projects/${project.id}/envs/production/secrets`, { headers });
        assertError(response, 401);
        assert.ok(!response.text.includes(SECRET_VALUE));
        const presented = (headers.authorization ?? headers['x-api-key'])!.replace(/^Bearer\s*/, '');
        if (presented.length > 8)
          assert.ok(!response.text.includes(presented), `the answer echoes the token: ${response.text}`);
      });
    }

    it('answers 401 to a tampered access token', async () => {
      const [header, payload, signature] = a.token.split('.');
      const forgedPayload = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: b.userId }),
      ).toString('base64url');
      assertError(
        await vaultClient(server, `${header}.${forgedPayload}.${signature}`).read(project.id, 'production'),
        401,
      );
    });

    it('answers 401 to a revoked PAT', async () => {
      const created = await createPat(server, a.token);
      const client = vaultClient(server, created.personalAccessToken);
      assert.equal((await client.read(project.id, 'production')).status, 200, 'the PAT works before');
      const revoked = await server.call(`/v1/pat/${created.id}`, { token: a.token, method: 'DELETE' });
      assert.equal(revoked.status, 200, revoked.text);
      assertError(await client.read(project.id, 'production'), 401, /invalid, expired or revoked/);
    });

    it('answers 401 to a PAT of a disabled user', async () => {
      const user = await signUp(server, 'disabled@example.com');
      const client = vaultClient(server, (await createPat(server, user.token)).personalAccessToken);
      assert.equal((await client.listProjects()).status, 200);
      await server.pavise.db.query('UPDATE auth.users SET disabled = true WHERE id = $1', [user.userId]);
      assertError(await client.listProjects(), 401);
    });
  });
});
