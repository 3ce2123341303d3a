import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Response } from './helpers/http.js';
import { suiteServer } from './helpers/suite.js';
import { type Tenant, twoTenants } from './helpers/tenants.js';
import {
  assertCreated,
  assertError,
  assertFields,
  type Project,
  readDetailed,
  secretsPath,
  signUp,
  type VaultClient,
  vaultClient,
  writeSecrets,
} from './helpers/vault.js';

/**
 * The secrets vault's HTTP contract (/tmp/vault-contract.md): projects, secrets, overlay
 * branches, check-and-set, history and rollback, statuses and rate-limit headers. Access
 * control across users and roles is in vault-access.test.ts.
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DEFAULT_ENVIRONMENTS = ['development', 'staging', 'production'];

describe('vault API', () => {
  const server = suiteServer();
  let a: Tenant;
  let api: VaultClient;
  let projectCount = 0;

  /** A fresh personal project for one test, so that tests do not see each other's secrets. */
  const newProject = (extra: Record<string, unknown> = {}) => api.createProject(`project ${++projectCount}`, extra);

  /** The number of versions in a key's history (fails unless the history route answers 200). */
  const historyLength = async (projectId: string, env: string, key: string, branch?: string) => {
    const response = await api.history(projectId, env, key, { branch });
    assert.equal(response.status, 200, response.text);
    return response.body.history.length as number;
  };

  before(async () => {
    ({ a } = await twoTenants(server));
    api = vaultClient(server, server.bootstrap!.pat);
  });

  describe('projects', () => {
    it('creates a personal project: 201 with the Project shape', async () => {
      const response = await api.postProject({ name: 'Payments', description: 'card processing' });
      assertCreated(response, [
        'id',
        'name',
        'description',
        'workspace',
        'dataControllerId',
        'role',
        'environments',
        'branches',
        'createdAt',
        'updatedAt',
      ]);
      const project = response.body as Project;
      assert.match(project.id, /^[0-9a-f-]{36}$/);
      assert.equal(project.name, 'Payments');
      assert.equal(project.description, 'card processing');
      assert.equal(project.workspace, 'personal');
      assert.equal(project.dataControllerId, null);
      assert.equal(project.role, 'owner');
      assert.deepEqual(project.environments, DEFAULT_ENVIRONMENTS);
      assert.deepEqual(project.branches, ['main']);
      assert.match(project.createdAt, ISO_DATE);
      assert.match(project.updatedAt, ISO_DATE);
    });

    it('creates an organisation project in a data controller the caller owns', async () => {
      const project = await api.createProject('Org project', { dataControllerId: a.controllerId });
      assert.equal(project.workspace, 'organisation');
      assert.equal(project.dataControllerId, a.controllerId);
      assert.equal(project.role, 'owner');
    });

    it('lists the personal and organisation projects of the caller', async () => {
      const personal = await api.createProject('Listed personal');
      const organisation = await api.createProject('Listed organisation', { dataControllerId: a.controllerId });
      const response = await api.listProjects();
      assert.equal(response.status, 200, response.text);
      assert.ok(Array.isArray(response.body));
      const ids = (response.body as Project[]).map((p) => p.id);
      assert.ok(ids.includes(personal.id), 'the personal project is listed');
      assert.ok(ids.includes(organisation.id), 'the organisation project is listed');
    });

    it('returns one project by GET /api/projects/:id and by GET /api/project?id=', async () => {
      const project = await newProject();
      const byPath = await api.getProject(project.id);
      const byQuery = await api.getProjectById(project.id);
      assert.equal(byPath.status, 200, byPath.text);
      assert.equal(byQuery.status, 200, byQuery.text);
      assert.deepEqual(byPath.body, project);
      assert.deepEqual(byQuery.body, project);
    });

    it('answers 404 "Project <id> not found" for an unknown project id, by either route', async () => {
      const unknown = randomUUID();
      for (const response of [await api.getProject(unknown), await api.getProjectById(unknown)]) {
        assertError(response, 404);
        assert.equal(response.body.error, `Project ${unknown} not found`);
      }
      assertError(await api.getProject('not-a-uuid'), 404, /^Project not-a-uuid not found$/);
    });

    it('answers an unknown /api route with 404 {error}, as the vault clients expect', async () => {
      const response = await server.call('/api/projects', { token: server.bootstrap!.pat });
      assertError(response, 404, /^Route GET \/api\/projects not found$/);
    });

    it('adds an environment to the project once it holds secrets, and lists created branches', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'qa', { A: '1' });
      const created = await api.createBranch(project.id, 'feature/x');
      assert.equal(created.status, 201, created.text);
      const response = await api.getProject(project.id);
      assert.deepEqual(response.body.environments, [...DEFAULT_ENVIRONMENTS, 'qa']);
      assert.deepEqual(response.body.branches, ['main', 'feature/x']);
    });

    it('refuses a project without a name, or with a description that is not a string: 400', async () => {
      assertError(await api.postProject({}), 400, /name/);
      assertError(await api.postProject({ name: '   ' }), 400, /name/);
      assertError(await api.postProject({ name: 'x', description: 42 }), 400, /description/);
    });

    it('refuses a second project of the same name in the same workspace: 409', async () => {
      await api.createProject('Twice');
      assertError(await api.postProject({ name: 'twice' }), 409, /already exists/);
    });

    it('answers 404 for a project in a data controller the caller does not belong to', async () => {
      const { userId } = await signUp(server, 'outsider-org@example.com');
      const [controller] = await server.pavise.db.query<{ id: string }>(
        "INSERT INTO public.data_controllers (title, email) VALUES ('Elsewhere', 'privacy@elsewhere.example') RETURNING id",
      );
      await server.pavise.db.query(
        "INSERT INTO public.data_controller_users (data_controller_id, user_id, role) VALUES ($1, $2, 'owner')",
        [controller!.id, userId],
      );
      assertError(await api.postProject({ name: 'Intruder', dataControllerId: controller!.id }), 404);
    });
  });

  describe('secrets', () => {
    it('writes a batch: 200 {success, count, versions}', async () => {
      const project = await newProject();
      const response = await api.write(project.id, 'development', { API_KEY: 'k1', DB_URL: 'postgres://x' });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { success: true, count: 2, versions: { API_KEY: 1, DB_URL: 1 } });
    });

    it('reads an environment as a flat map of names to values', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { API_KEY: 'k1', DB_URL: 'postgres://x' });
      const response = await api.read(project.id, 'development');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { API_KEY: 'k1', DB_URL: 'postgres://x' });
    });

    it('keeps environments apart', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { API_KEY: 'dev-key' });
      await writeSecrets(api, project.id, 'production', { API_KEY: 'prod-key' });
      assert.deepEqual((await api.read(project.id, 'development')).body, { API_KEY: 'dev-key' });
      assert.deepEqual((await api.read(project.id, 'production')).body, { API_KEY: 'prod-key' });
      assert.deepEqual((await api.read(project.id, 'staging')).body, {});
    });

    it('with includeVersions=true, gives {value, version, updatedAt, inherited: false} per key', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { A: 'a1' });
      await writeSecrets(api, project.id, 'staging', { A: 'a2', B: 'b1' });
      const detailed = await readDetailed(api, project.id, 'staging');
      assert.deepEqual(Object.keys(detailed).sort(), ['A', 'B']);
      assert.deepEqual(
        { ...detailed.A, updatedAt: undefined },
        { value: 'a2', version: 2, updatedAt: undefined, inherited: false },
      );
      assert.deepEqual(
        { ...detailed.B, updatedAt: undefined },
        { value: 'b1', version: 1, updatedAt: undefined, inherited: false },
      );
      assert.match(detailed.A!.updatedAt, ISO_DATE);
    });

    it('reads one key: {key, value, version, environment, branch, inherited, updatedAt}', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { TOKEN: 't1' });
      const response = await api.getKey(project.id, 'production', 'TOKEN');
      assert.equal(response.status, 200, response.text);
      assert.match(response.body.updatedAt, ISO_DATE);
      assert.deepEqual(
        { ...response.body, updatedAt: undefined },
        {
          key: 'TOKEN',
          value: 't1',
          version: 1,
          environment: 'production',
          branch: 'main',
          inherited: false,
          updatedAt: undefined,
        },
      );
    });

    it('answers 404 for one key that does not exist', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { TOKEN: 't1' });
      assertError(await api.getKey(project.id, 'production', 'MISSING'), 404, /MISSING/);
      assertError(await api.getKey(project.id, 'staging', 'TOKEN'), 404, /TOKEN/);
    });

    it('deletes one key: 200 {success, version}; the key is then gone from reads', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { GONE: 'x', KEPT: 'y' });
      const response = await api.deleteKey(project.id, 'development', 'GONE');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { success: true, version: 2 });
      assertError(await api.getKey(project.id, 'development', 'GONE'), 404);
      assert.deepEqual((await api.read(project.id, 'development')).body, { KEPT: 'y' });
    });

    it('answers 404 when deleting a key that does not exist or is already deleted', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { ONCE: 'x' });
      assertError(await api.deleteKey(project.id, 'development', 'NEVER'), 404, /NEVER/);
      assert.equal((await api.deleteKey(project.id, 'development', 'ONCE')).status, 200);
      assertError(await api.deleteKey(project.id, 'development', 'ONCE'), 404, /ONCE/);
    });

    it('counts versions up without ever reusing one: write, delete, write', async () => {
      const project = await newProject();
      assert.deepEqual(await writeSecrets(api, project.id, 'development', { K: 'v1' }), { K: 1 });
      assert.deepEqual(await writeSecrets(api, project.id, 'development', { K: 'v2' }), { K: 2 });
      assert.equal((await api.deleteKey(project.id, 'development', 'K')).body.version, 3);
      assert.deepEqual(await writeSecrets(api, project.id, 'development', { K: 'v4' }), { K: 4 });
      assert.equal((await api.getKey(project.id, 'development', 'K')).body.version, 4);
    });

    it('accepts the dev, stg and prod aliases for development, staging and production', async () => {
      const project = await newProject();
      for (const [alias, name] of [
        ['dev', 'development'],
        ['stg', 'staging'],
        ['prod', 'production'],
      ] as const) {
        await writeSecrets(api, project.id, alias, { WHERE: alias });
        assert.deepEqual((await api.read(project.id, name)).body, { WHERE: alias }, `${alias} writes ${name}`);
        const one = await api.getKey(project.id, alias, 'WHERE');
        assert.equal(one.body.environment, name, `${alias} reads ${name}`);
      }
      assert.deepEqual(
        (await api.getProject(project.id)).body.environments,
        DEFAULT_ENVIRONMENTS,
        'no environment named after an alias',
      );
    });

    it('accepts key names with letters, digits, "_", "." and "-", up to 256 characters', async () => {
      const project = await newProject();
      const longest = `K${'x'.repeat(255)}`;
      await writeSecrets(api, project.id, 'development', { _private: '1', 'app.db-url': '2', [longest]: '3' });
      assert.deepEqual((await api.read(project.id, 'development')).body, {
        _private: '1',
        'app.db-url': '2',
        [longest]: '3',
      });
      assert.equal((await api.getKey(project.id, 'development', 'app.db-url')).body.value, '2');
    });

    it('serves a 256-character key on the per-key routes (read, history, rollback, delete)', async () => {
      const project = await newProject();
      const longest = `K${'x'.repeat(255)}`;
      await writeSecrets(api, project.id, 'development', { [longest]: 'one' });
      await writeSecrets(api, project.id, 'development', { [longest]: 'two' });
      const read = await api.getKey(project.id, 'development', longest);
      assert.equal(read.status, 200, read.text.slice(0, 300));
      assert.equal(read.body.value, 'two');
      assert.equal((await api.history(project.id, 'development', longest)).body.history?.length, 2);
      assert.equal((await api.rollback(project.id, 'development', longest, { version: 1 })).status, 200);
      assert.equal((await api.deleteKey(project.id, 'development', longest)).status, 200);
      assert.deepEqual((await api.read(project.id, 'development')).body, {});
    });
  });

  describe('secrets: bad input', () => {
    let project: Project;
    before(async () => {
      project = await newProject();
      await writeSecrets(api, project.id, 'development', { EXISTING: 'unchanged' });
    });

    /** The environment still holds exactly what `before` wrote. */
    const assertUnchanged = async () =>
      assert.deepEqual((await api.read(project.id, 'development')).body, { EXISTING: 'unchanged' });

    for (const key of ['1STARTS_WITH_DIGIT', 'HAS SPACE', 'HAS$DOLLAR', '-dash', `K${'x'.repeat(256)}`, '']) {
      it(`refuses the key name ${JSON.stringify(key.length > 20 ? `${key.slice(0, 10)}… (${key.length} chars)` : key)} in a write: 400, nothing written`, async () => {
        assertError(await api.write(project.id, 'development', { GOOD: 'g', [key]: 'v' }), 400);
        await assertUnchanged();
      });
    }

    it('refuses an invalid key name in the URL of the per-key routes: 400', async () => {
      const bad = 'BAD KEY';
      assertError(await api.getKey(project.id, 'development', bad), 400, /secret name/);
      assertError(await api.deleteKey(project.id, 'development', bad), 400, /secret name/);
      assertError(await api.history(project.id, 'development', bad), 400, /secret name/);
      assertError(await api.rollback(project.id, 'development', bad, { version: 1 }), 400, /secret name/);
    });

    for (const env of ['Has Space', 'bad.env', '_underscore-first', 'x'.repeat(100), 'ümlaut']) {
      it(`refuses the environment name ${JSON.stringify(env.length > 20 ? `${env.slice(0, 10)}…` : env)}: 400 on read and write`, async () => {
        assertError(await api.read(project.id, env), 400, /environment/);
        assertError(await api.write(project.id, env, { A: 'a' }), 400, /environment/);
        assertError(await api.getKey(project.id, env, 'EXISTING'), 400, /environment/);
      });
    }

    for (const value of [42, true, null, { nested: 'x' }, ['x']]) {
      it(`refuses the value ${JSON.stringify(value)}: values must be strings (400, nothing written)`, async () => {
        assertError(await api.write(project.id, 'development', { GOOD: 'g', BAD: value }), 400, /BAD must be a string/);
        await assertUnchanged();
      });
    }

    it('refuses a write without "secrets", with an empty map, or with a list: 400', async () => {
      assertError(await api.call(secretsPath(project.id, 'development'), { body: {} }), 400, /secrets/);
      assertError(await api.write(project.id, 'development', {}), 400, /empty/);
      assertError(await api.write(project.id, 'development', [['A', 'a']]), 400, /secrets/);
      assertError(await api.write(project.id, 'development', 'A=a'), 400, /secrets/);
      await assertUnchanged();
    });

    it('refuses a body that is not a JSON object: 400', async () => {
      assertError(
        await api.call(secretsPath(project.id, 'development'), { body: [{ secrets: { A: 'a' } }] }),
        400,
        /JSON object/,
      );
      assertError(await api.call(secretsPath(project.id, 'development'), { body: 'text' }), 400);
      await assertUnchanged();
    });

    it('answers malformed JSON with 400 {error} on every route that takes a body', async () => {
      const json = { 'content-type': 'application/json' };
      const routes = [
        secretsPath(project.id, 'development'),
        `${secretsPath(project.id, 'development', 'EXISTING')}/history`,
        '/api/project',
        '/api/branch',
        `/api/projects/${project.id}/service-accounts`,
      ];
      for (const route of routes) {
        const response = await api.call(route, { method: 'POST', rawBody: '{"secrets": {"A": "a"', headers: json });
        assertError(response, 400, /not valid JSON/);
        assert.deepEqual(Object.keys(response.body), ['error'], route);
      }
      await assertUnchanged();
    });
  });

  describe('unknown project, branch and environment', () => {
    it('answers 404 on every secrets route of an unknown project', async () => {
      const unknown = randomUUID();
      const responses = [
        await api.read(unknown, 'development'),
        await api.write(unknown, 'development', { A: 'a' }),
        await api.getKey(unknown, 'development', 'A'),
        await api.deleteKey(unknown, 'development', 'A'),
        await api.history(unknown, 'development', 'A'),
        await api.rollback(unknown, 'development', 'A', { version: 1 }),
        await api.listBranches(unknown),
        await api.createBranch(unknown, 'feature'),
        await api.deleteBranch(unknown, 'feature'),
      ];
      for (const response of responses) assertError(response, 404, new RegExp(`Project ${unknown} not found`));
    });

    it('answers 404 "Branch \'<name>\' not found in project <p>" when reading an unknown branch', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { A: 'a' });
      const response = await api.read(project.id, 'development', { branch: 'nope' });
      assertError(response, 404);
      assert.equal(response.body.error, `Branch 'nope' not found in project ${project.id}`);
      assertError(await api.getKey(project.id, 'development', 'A', { branch: 'nope' }), 404, /Branch 'nope' not found/);
      assertError(
        await api.history(project.id, 'development', 'A', { branch: 'nope' }),
        404,
        /Branch 'nope' not found/,
      );
    });

    it('answers 404 when writing to an unknown branch, and writes nothing to main', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { A: 'a' });
      assertError(
        await api.write(project.id, 'development', { A: 'changed', B: 'b' }, { branch: 'nope' }),
        404,
        /Branch 'nope' not found/,
      );
      assertError(
        await api.call(`${secretsPath(project.id, 'development')}?branch=nope`, {
          body: { secrets: { A: 'changed' } },
        }),
        404,
        /Branch 'nope' not found/,
      );
      assertError(
        await api.deleteKey(project.id, 'development', 'A', { branch: 'nope' }),
        404,
        /Branch 'nope' not found/,
      );
      assert.deepEqual((await api.read(project.id, 'development')).body, { A: 'a' });
    });

    it('reads an environment that holds nothing as an empty map', async () => {
      const project = await newProject();
      const response = await api.read(project.id, 'never-written');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, {});
    });
  });

  describe('check-and-set (expectedVersions)', () => {
    it('writes when every expected version matches', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1', B: 'b1' });
      await writeSecrets(api, project.id, 'production', { A: 'a2' });
      const versions = await writeSecrets(
        api,
        project.id,
        'production',
        { A: 'a3', B: 'b2' },
        { expectedVersions: { A: 2, B: 1 } },
      );
      assert.deepEqual(versions, { A: 3, B: 2 });
      assert.deepEqual((await api.read(project.id, 'production')).body, { A: 'a3', B: 'b2' });
    });

    it('takes 0 as "must not exist yet": creates a new key', async () => {
      const project = await newProject();
      assert.deepEqual(
        await writeSecrets(api, project.id, 'production', { NEW: 'n' }, { expectedVersions: { NEW: 0 } }),
        { NEW: 1 },
      );
    });

    it('takes 0 as "must not exist yet": a deleted key counts as absent', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { K: 'k1' });
      assert.equal((await api.deleteKey(project.id, 'production', 'K')).status, 200);
      assert.deepEqual(await writeSecrets(api, project.id, 'production', { K: 'k3' }, { expectedVersions: { K: 0 } }), {
        K: 3,
      });
    });

    it('accepts expected versions as numeric strings', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1' });
      assert.deepEqual(
        await writeSecrets(api, project.id, 'production', { A: 'a2' }, { expectedVersions: { A: '1' } }),
        { A: 2 },
      );
    });

    it('answers 409 {error, conflicts: [{key, expected, actual}]} naming each stale key', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1', B: 'b1' });
      await writeSecrets(api, project.id, 'production', { B: 'b2' });
      const response = await api.write(
        project.id,
        'production',
        { A: 'x', B: 'x', C: 'x' },
        { expectedVersions: { A: 1, B: 1, C: 0 } },
      );
      assertError(response, 409, /nothing was written/);
      assert.deepEqual(response.body.conflicts, [{ key: 'B', expected: 1, actual: 2 }]);
    });

    it('answers 409 when 0 is expected for a key that exists', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1' });
      const response = await api.write(project.id, 'production', { A: 'x' }, { expectedVersions: { A: 0 } });
      assertError(response, 409);
      assert.deepEqual(response.body.conflicts, [{ key: 'A', expected: 0, actual: 1 }]);
    });

    it('writes NOTHING on a 409: every key of the batch, the conflicting and the others, keeps its value, version and history', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1', B: 'b1' });
      await writeSecrets(api, project.id, 'production', { B: 'b2' });
      const before = await readDetailed(api, project.id, 'production');
      const auditBefore = (await api.audit({ projectId: project.id })).body.total;

      // A (matching), B (stale) and C (new, matching 0) in one batch, plus D (new, no expectation).
      const response = await api.write(
        project.id,
        'production',
        { A: 'a-new', B: 'b-new', C: 'c-new', D: 'd-new' },
        { expectedVersions: { A: 1, B: 1, C: 0 } },
      );
      assert.equal(response.status, 409, response.text);

      assert.deepEqual(
        await readDetailed(api, project.id, 'production'),
        before,
        'values, versions and timestamps are unchanged',
      );
      assert.deepEqual(Object.keys(before).sort(), ['A', 'B']);
      assert.equal(await historyLength(project.id, 'production', 'A'), 1, 'A has no new version');
      assert.equal(await historyLength(project.id, 'production', 'B'), 2, 'B has no new version');
      assertError(await api.history(project.id, 'production', 'C'), 404);
      assertError(await api.history(project.id, 'production', 'D'), 404);
      const audit = (await api.audit({ projectId: project.id })).body;
      // Reading the detailed view and the two histories are audited; the refused write is not.
      const since = (audit.data as { action: string }[]).slice(0, audit.total - auditBefore);
      assert.ok(
        !since.some((entry) => entry.action === 'secrets.write'),
        `no write was recorded: ${JSON.stringify(since.map((e) => e.action))}`,
      );
      // A retry with the versions the 409 reported goes through, and versions continue from there.
      assert.deepEqual(
        await writeSecrets(
          api,
          project.id,
          'production',
          { A: 'a-new', B: 'b-new', C: 'c-new' },
          { expectedVersions: { A: 1, B: 2, C: 0 } },
        ),
        { A: 2, B: 3, C: 1 },
      );
    });

    it('refuses malformed expected versions: 400', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { A: 'a1' });
      for (const expectedVersions of [{ A: -1 }, { A: 'one' }, { A: 1.5 }, { A: null }, [1], 'A=1']) {
        assertError(await api.write(project.id, 'production', { A: 'x' }, { expectedVersions }), 400, /expected/i);
      }
      assertError(
        await api.write(project.id, 'production', { A: 'x' }, { expectedVersions: { OTHER: 0 } }),
        400,
        /OTHER/,
      );
      assert.equal((await api.getKey(project.id, 'production', 'A')).body.value, 'a1');
    });
  });

  describe('concurrent writes', () => {
    const PARALLEL = 8;
    /** Sends PARALLEL writes of `key` at once, each with its own value. */
    const race = (projectId: string, key: string, extra: Record<string, unknown> = {}) =>
      Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => api.write(projectId, 'development', { [key]: `value-${i}` }, extra)),
      );
    /** Every write of a race answered 200 (their answers in the message, to see why one did not). */
    const assertAllWritten = (responses: Response[]) =>
      assert.deepEqual(
        responses.map((r) => r.status),
        Array(PARALLEL).fill(200),
        responses.map((r) => r.text).join('\n'),
      );

    it('gives concurrent writes of an existing key distinct, consecutive versions', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { K: 'first' });
      const responses = await race(project.id, 'K');
      assertAllWritten(responses);
      assert.deepEqual(
        responses.map((r) => r.body.versions.K).sort((x, y) => x - y),
        Array.from({ length: PARALLEL }, (_, i) => i + 2),
      );
      assert.equal(await historyLength(project.id, 'development', 'K'), PARALLEL + 1);
    });

    it('accepts concurrent writes that create the same new key without expectedVersions: last writer wins, no 409', async () => {
      const project = await newProject();
      const responses = await race(project.id, 'NEW_KEY');
      assertAllWritten(responses);
      assert.deepEqual(
        responses.map((r) => r.body.versions.NEW_KEY).sort((x, y) => x - y),
        Array.from({ length: PARALLEL }, (_, i) => i + 1),
      );
    });

    it('accepts concurrent first overrides of an inherited key in a branch without expectedVersions: no 409', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { K: 'main' });
      assert.equal((await api.createBranch(project.id, 'feature')).status, 201);
      const responses = await race(project.id, 'K', { branch: 'feature' });
      assertAllWritten(responses);
      assert.equal((await api.getKey(project.id, 'development', 'K')).body.value, 'main');
    });

    it('lets exactly one of concurrent "must not exist yet" creates win; the others get 409 naming the key', async () => {
      const project = await newProject();
      const responses = await race(project.id, 'ONCE', { expectedVersions: { ONCE: 0 } });
      assert.equal(responses.filter((r) => r.status === 200).length, 1, responses.map((r) => r.text).join('\n'));
      const winner = responses.find((r) => r.status === 200)!;
      for (const loser of responses.filter((r) => r !== winner)) {
        assertError(loser, 409);
        assert.deepEqual(loser.body.conflicts, [{ key: 'ONCE', expected: 0, actual: 1 }], loser.text);
      }
      assert.equal(await historyLength(project.id, 'development', 'ONCE'), 1);
      assert.equal(
        (await api.getKey(project.id, 'development', 'ONCE')).body.value,
        `value-${responses.indexOf(winner)}`,
      );
    });

    it('lets exactly one of concurrent check-and-set updates of an existing key win', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { K: 'first' });
      const responses = await race(project.id, 'K', { expectedVersions: { K: 1 } });
      assert.deepEqual(responses.map((r) => r.status).sort(), [200, ...Array(PARALLEL - 1).fill(409)]);
      for (const loser of responses.filter((r) => r.status === 409))
        assert.deepEqual(loser.body.conflicts, [{ key: 'K', expected: 1, actual: 2 }]);
      assert.equal(await historyLength(project.id, 'development', 'K'), 2);
    });
  });

  describe('history and rollback', () => {
    it('lists every version newest first: {key, currentVersion, history: [{version, value, deleted, updatedAt, updatedBy, description}]}', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      await writeSecrets(api, project.id, 'staging', { K: 'two' });
      await api.deleteKey(project.id, 'staging', 'K');
      await writeSecrets(api, project.id, 'staging', { K: 'four' });
      const response = await api.history(project.id, 'staging', 'K');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.key, 'K');
      assert.equal(response.body.currentVersion, 4);
      const history = response.body.history as Record<string, unknown>[];
      assert.deepEqual(
        history.map((h) => [h.version, h.value, h.deleted]),
        [
          [4, 'four', false],
          [3, null, true],
          [2, 'two', false],
          [1, 'one', false],
        ],
      );
      for (const entry of history) {
        assertFields(entry, ['version', 'value', 'deleted', 'updatedAt', 'updatedBy', 'description']);
        assert.match(entry.updatedAt as string, ISO_DATE);
        assert.equal(entry.updatedBy, `user:${a.userId}`);
        assert.equal(typeof entry.description, 'string');
      }
    });

    it('answers 404 for the history of a key that never existed', async () => {
      const project = await newProject();
      assertError(await api.history(project.id, 'staging', 'NEVER'), 404, /NEVER/);
    });

    it('rolls back by writing a new version that holds the old value', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      await writeSecrets(api, project.id, 'staging', { K: 'two' });
      const response = await api.rollback(project.id, 'staging', 'K', { version: 1 });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { success: true, version: 3 });
      const current = await api.getKey(project.id, 'staging', 'K');
      assert.equal(current.body.value, 'one');
      assert.equal(current.body.version, 3);
      const history = (await api.history(project.id, 'staging', 'K')).body;
      assert.equal(history.currentVersion, 3);
      assert.deepEqual(
        history.history.map((h: { version: number; value: string }) => [h.version, h.value]),
        [
          [3, 'one'],
          [2, 'two'],
          [1, 'one'],
        ],
      );
    });

    it('rolls back a deleted key to a version with a value, which brings the key back', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      await api.deleteKey(project.id, 'staging', 'K');
      const response = await api.rollback(project.id, 'staging', 'K', { version: 1 });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.version, 3);
      assert.deepEqual((await api.read(project.id, 'staging')).body, { K: 'one' });
    });

    it('answers 400 when rolling back to the current version, and writes nothing', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      await writeSecrets(api, project.id, 'staging', { K: 'two' });
      assertError(await api.rollback(project.id, 'staging', 'K', { version: 2 }), 400, /already at version 2/);
      assert.equal(await historyLength(project.id, 'staging', 'K'), 2);
    });

    it('answers 404 when rolling back to a version that does not exist', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      assertError(await api.rollback(project.id, 'staging', 'K', { version: 7 }), 404, /version 7/);
      assert.equal(await historyLength(project.id, 'staging', 'K'), 1);
    });

    it('answers 404 when rolling back a key that does not exist', async () => {
      const project = await newProject();
      assertError(await api.rollback(project.id, 'staging', 'NEVER', { version: 1 }), 404, /NEVER/);
    });

    it('answers 400 when the rollback names no version or a malformed one', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'staging', { K: 'one' });
      await writeSecrets(api, project.id, 'staging', { K: 'two' });
      assertError(await api.rollback(project.id, 'staging', 'K', {}), 400, /version/);
      assertError(await api.rollback(project.id, 'staging', 'K', { version: 'first' }), 400, /version/);
      assertError(await api.rollback(project.id, 'staging', 'K', { version: -1 }), 400, /version/);
      assert.equal((await api.getKey(project.id, 'staging', 'K')).body.value, 'two');
    });
  });

  describe('branches', () => {
    it('creates a branch: 201 {id, name, description, baseEnv, projectId, createdAt}', async () => {
      const project = await newProject();
      const response = await api.createBranch(project.id, 'feature/new-ui', { description: 'the redesign' });
      assertCreated(response, ['id', 'name', 'description', 'baseEnv', 'projectId', 'createdAt']);
      assert.equal(response.body.name, 'feature/new-ui');
      assert.equal(response.body.description, 'the redesign');
      assert.equal(response.body.baseEnv, null);
      assert.equal(response.body.projectId, project.id);
      assert.match(response.body.createdAt, ISO_DATE);
    });

    it('lists main and the created branches', async () => {
      const project = await newProject();
      const created = await api.createBranch(project.id, 'hotfix', { baseEnv: 'prod' });
      const response = await api.listBranches(project.id);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(
        response.body.map((b: { name: string }) => b.name),
        ['main', 'hotfix'],
      );
      assert.deepEqual(response.body[1], created.body);
      assert.equal(response.body[1].baseEnv, 'production', 'the alias is stored as the environment it stands for');
    });

    it('refuses a duplicate branch name, main included: 409', async () => {
      const project = await newProject();
      assert.equal((await api.createBranch(project.id, 'twice')).status, 201);
      assertError(await api.createBranch(project.id, 'twice'), 409, /already exists/);
      assertError(await api.createBranch(project.id, 'main'), 409, /already exists/);
    });

    it('refuses a missing or invalid branch name, and an invalid baseEnv: 400', async () => {
      const project = await newProject();
      assertError(await api.call('/api/branch', { body: { projectId: project.id } }), 400, /name/);
      assertError(await api.createBranch(project.id, 'has space'), 400, /branch name/);
      assertError(await api.createBranch(project.id, '/leading-slash'), 400, /branch name/);
      assertError(await api.createBranch(project.id, 'ok', { baseEnv: 'Not An Env' }), 400, /environment/);
      assertError(await api.call('/api/branch', { body: { name: 'orphan' } }), 400, /projectId/);
      assert.deepEqual(
        (await api.listBranches(project.id)).body.map((b: { name: string }) => b.name),
        ['main'],
      );
    });

    it('deletes a branch: 200 {success: true}; it is then gone', async () => {
      const project = await newProject();
      await api.createBranch(project.id, 'short-lived');
      const response = await api.deleteBranch(project.id, 'short-lived');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { success: true });
      assert.deepEqual(
        (await api.listBranches(project.id)).body.map((b: { name: string }) => b.name),
        ['main'],
      );
      assertError(
        await api.read(project.id, 'development', { branch: 'short-lived' }),
        404,
        /Branch 'short-lived' not found/,
      );
    });

    it('refuses to delete main (400) and answers 404 for an unknown branch', async () => {
      const project = await newProject();
      assertError(await api.deleteBranch(project.id, 'main'), 400, /main/);
      assertError(await api.deleteBranch(project.id, 'nope'), 404, /Branch 'nope' not found/);
      assertError(await api.call(`/api/branch?projectId=${project.id}`, { method: 'DELETE' }), 400, /name/);
    });

    it('deletes the branch’s overrides with it: re-created, it shows main again', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { A: 'main' });
      await api.createBranch(project.id, 'again');
      await writeSecrets(api, project.id, 'development', { A: 'branch', ONLY_BRANCH: 'b' }, { branch: 'again' });
      assert.equal((await api.deleteBranch(project.id, 'again')).status, 200);
      assert.equal((await api.createBranch(project.id, 'again')).status, 201);
      assert.deepEqual((await api.read(project.id, 'development', { branch: 'again' })).body, { A: 'main' });
    });
  });

  describe('branch overlay', () => {
    /** A project with main's development secrets A=main-a, B=main-b and an empty branch "feature". */
    const overlayProject = async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { A: 'main-a', B: 'main-b' });
      assert.equal((await api.createBranch(project.id, 'feature')).status, 201);
      return project.id;
    };

    it('shows main’s keys through a new branch', async () => {
      const projectId = await overlayProject();
      assert.deepEqual((await api.read(projectId, 'development', { branch: 'feature' })).body, {
        A: 'main-a',
        B: 'main-b',
      });
    });

    it('lets the branch’s override win, keeps the other keys visible, and leaves main untouched', async () => {
      const projectId = await overlayProject();
      await writeSecrets(api, projectId, 'development', { A: 'feature-a', C: 'feature-c' }, { branch: 'feature' });
      assert.deepEqual((await api.read(projectId, 'development', { branch: 'feature' })).body, {
        A: 'feature-a',
        B: 'main-b',
        C: 'feature-c',
      });
      assert.deepEqual((await api.read(projectId, 'development')).body, { A: 'main-a', B: 'main-b' });
      assert.deepEqual((await api.read(projectId, 'development', { branch: 'main' })).body, {
        A: 'main-a',
        B: 'main-b',
      });
    });

    it('takes the branch from ?branch= as well as from the body of a write', async () => {
      const projectId = await overlayProject();
      const response = await api.call(`${secretsPath(projectId, 'development')}?branch=feature`, {
        body: { secrets: { A: 'via-query' } },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal((await api.getKey(projectId, 'development', 'A', { branch: 'feature' })).body.value, 'via-query');
      assert.equal((await api.getKey(projectId, 'development', 'A')).body.value, 'main-a');
    });

    it('shows main’s later changes to keys the branch does not override', async () => {
      const projectId = await overlayProject();
      await writeSecrets(api, projectId, 'development', { A: 'feature-a' }, { branch: 'feature' });
      await writeSecrets(api, projectId, 'development', { A: 'main-a2', B: 'main-b2' });
      assert.deepEqual((await api.read(projectId, 'development', { branch: 'feature' })).body, {
        A: 'feature-a',
        B: 'main-b2',
      });
    });

    it('hides a key deleted in the branch, while main keeps it', async () => {
      const projectId = await overlayProject();
      const deleted = await api.deleteKey(projectId, 'development', 'B', { branch: 'feature' });
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual((await api.read(projectId, 'development', { branch: 'feature' })).body, { A: 'main-a' });
      assertError(await api.getKey(projectId, 'development', 'B', { branch: 'feature' }), 404);
      assert.deepEqual((await api.read(projectId, 'development')).body, { A: 'main-a', B: 'main-b' });
      assert.equal((await api.getKey(projectId, 'development', 'B')).body.value, 'main-b');
    });

    it('gives the branch’s deletion a version above main’s, and 404 on deleting it again in the branch', async () => {
      const projectId = await overlayProject();
      const deleted = await api.deleteKey(projectId, 'development', 'B', { branch: 'feature' });
      assert.ok(deleted.body.version > 1, `version ${deleted.body.version}`);
      assertError(await api.deleteKey(projectId, 'development', 'B', { branch: 'feature' }), 404);
    });

    it('marks each key inherited: true (from main) or false (the branch’s own) with includeVersions', async () => {
      const projectId = await overlayProject();
      await writeSecrets(api, projectId, 'development', { A: 'feature-a' }, { branch: 'feature' });
      const detailed = await readDetailed(api, projectId, 'development', 'feature');
      assert.equal(detailed.A!.value, 'feature-a');
      assert.equal(detailed.A!.inherited, false);
      assert.equal(detailed.B!.value, 'main-b');
      assert.equal(detailed.B!.inherited, true);
      assert.equal(detailed.B!.version, 1);
      assert.ok(detailed.A!.version > 1, 'the override’s version continues above the inherited one');
      const onMain = await readDetailed(api, projectId, 'development');
      assert.equal(onMain.A!.inherited, false);
      assert.equal(onMain.B!.inherited, false);
    });

    it('reads one key through the branch with its branch name and inherited flag', async () => {
      const projectId = await overlayProject();
      await writeSecrets(api, projectId, 'development', { A: 'feature-a' }, { branch: 'feature' });
      const own = (await api.getKey(projectId, 'development', 'A', { branch: 'feature' })).body;
      const inherited = (await api.getKey(projectId, 'development', 'B', { branch: 'feature' })).body;
      assert.deepEqual([own.value, own.branch, own.inherited], ['feature-a', 'feature', false]);
      assert.deepEqual([inherited.value, inherited.branch, inherited.inherited], ['main-b', 'feature', true]);
    });

    it('checks expectedVersions against the version seen through the branch', async () => {
      const projectId = await overlayProject();
      // B is inherited at version 1: expecting 0 conflicts, expecting 1 writes.
      const stale = await api.write(
        projectId,
        'development',
        { B: 'x' },
        { branch: 'feature', expectedVersions: { B: 0 } },
      );
      assertError(stale, 409);
      assert.deepEqual(stale.body.conflicts, [{ key: 'B', expected: 0, actual: 1 }]);
      const versions = await writeSecrets(
        api,
        projectId,
        'development',
        { B: 'feature-b' },
        { branch: 'feature', expectedVersions: { B: 1 } },
      );
      assert.ok(versions.B! > 1);
      // After a deletion in the branch the key counts as absent there, though main still has it.
      await api.deleteKey(projectId, 'development', 'A', { branch: 'feature' });
      await writeSecrets(
        api,
        projectId,
        'development',
        { A: 'revived' },
        { branch: 'feature', expectedVersions: { A: 0 } },
      );
      assert.equal((await api.getKey(projectId, 'development', 'A')).body.value, 'main-a');
    });

    it('shows main’s history for an inherited key and the branch’s own after an override', async () => {
      const projectId = await overlayProject();
      const inherited = await api.history(projectId, 'development', 'A', { branch: 'feature' });
      assert.equal(inherited.status, 200, inherited.text);
      assert.deepEqual(
        inherited.body.history.map((h: { value: string }) => h.value),
        ['main-a'],
      );
      await writeSecrets(api, projectId, 'development', { A: 'feature-a' }, { branch: 'feature' });
      const own = await api.history(projectId, 'development', 'A', { branch: 'feature' });
      assert.equal(own.body.history[0].value, 'feature-a');
      assert.equal(own.body.currentVersion, own.body.history[0].version);
      assert.deepEqual(
        (await api.history(projectId, 'development', 'A')).body.history.map((h: { value: string }) => h.value),
        ['main-a'],
        'main’s history is unchanged',
      );
    });

    it('rolls back within the branch without touching main', async () => {
      const projectId = await overlayProject();
      const first = (await writeSecrets(api, projectId, 'development', { A: 'feature-1' }, { branch: 'feature' })).A!;
      await writeSecrets(api, projectId, 'development', { A: 'feature-2' }, { branch: 'feature' });
      const response = await api.rollback(projectId, 'development', 'A', { version: first, branch: 'feature' });
      assert.equal(response.status, 200, response.text);
      assert.equal((await api.getKey(projectId, 'development', 'A', { branch: 'feature' })).body.value, 'feature-1');
      assert.equal((await api.getKey(projectId, 'development', 'A')).body.value, 'main-a');
    });

    it('keeps a branch created with baseEnv "production" to production: 404 in staging', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { P: 'prod' });
      await writeSecrets(api, project.id, 'staging', { S: 'stg' });
      const created = await api.createBranch(project.id, 'release', { baseEnv: 'production' });
      assert.equal(created.body.baseEnv, 'production');
      assert.deepEqual((await api.read(project.id, 'production', { branch: 'release' })).body, { P: 'prod' });
      assert.deepEqual((await api.read(project.id, 'prod', { branch: 'release' })).body, { P: 'prod' });
      assertError(await api.read(project.id, 'staging', { branch: 'release' }), 404, /release/);
      assertError(await api.getKey(project.id, 'staging', 'S', { branch: 'release' }), 404, /release/);
      assertError(await api.write(project.id, 'staging', { S: 'changed' }, { branch: 'release' }), 404, /release/);
      assert.deepEqual((await api.read(project.id, 'staging')).body, { S: 'stg' });
    });
  });

  describe('audit', () => {
    it('lists entries newest first as {data, total, page, pageSize}, with keys but never values', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'production', { AUDITED: 'value-that-must-not-be-logged' });
      await api.deleteKey(project.id, 'production', 'AUDITED');
      const response = await api.audit({ projectId: project.id, page: 1, pageSize: 25 });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.body).sort(), ['data', 'page', 'pageSize', 'total']);
      assert.equal(response.body.page, 1);
      assert.equal(response.body.pageSize, 25);
      assert.equal(response.body.total, response.body.data.length);
      const actions = response.body.data.map((e: { action: string }) => e.action);
      assert.deepEqual(actions, ['secret.delete', 'secrets.write', 'project.create']);
      const [deleted, written] = response.body.data;
      for (const field of [
        'id',
        'seq',
        'action',
        'projectId',
        'environment',
        'branch',
        'keys',
        'actor',
        'createdAt',
        'hash',
        'prevHash',
      ]) {
        assert.ok(field in written, `entries carry ${field}`);
      }
      assert.deepEqual(
        [written.projectId, written.environment, written.branch, written.keys, written.actor],
        [project.id, 'production', 'main', ['AUDITED'], `user:${a.userId}`],
      );
      assert.ok(deleted.seq > written.seq);
      assert.equal(deleted.prevHash, written.hash, 'each entry links to the one before it');
      assert.ok(!response.text.includes('value-that-must-not-be-logged'));
    });

    it('pages the trail', async () => {
      const project = await newProject();
      for (const value of ['1', '2', '3']) await writeSecrets(api, project.id, 'production', { K: value });
      const all = (await api.audit({ projectId: project.id })).body;
      const second = await api.audit({ projectId: project.id, page: 2, pageSize: 2 });
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.total, all.total);
      assert.deepEqual(second.body.data, all.data.slice(2, 4));
      assertError(await api.audit({ pageSize: 0 }), 400, /pageSize/);
      assertError(await api.audit({ page: 'x' }), 400, /page/);
    });

    it('verifies the chain: {valid: true, entries}', async () => {
      const response = await api.verifyAudit();
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.valid, true);
      assert.ok(response.body.entries > 0);
      const organisation = await api.verifyAudit({ dataControllerId: a.controllerId });
      assert.equal(organisation.status, 200, organisation.text);
      assert.equal(organisation.body.valid, true);
    });

    it('reports a tampered entry: {valid: false, brokenAt: {id, seq}, reason}', async () => {
      const project = await api.createProject('Tampered', { dataControllerId: a.controllerId });
      await writeSecrets(api, project.id, 'production', { K: 'v' });
      // Reading the trail seals the pending entries into the chain; the tampering comes after.
      assert.equal((await api.audit({ projectId: project.id })).status, 200);
      const [entry] = await server.pavise.db.query<{ id: string; seq: string }>(
        "UPDATE vault.audit_log SET actor = 'user:someone-else' WHERE project_id = $1 AND action = 'secrets.write' RETURNING id, seq",
        [project.id],
      );
      const response = await api.verifyAudit({ dataControllerId: a.controllerId });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.valid, false);
      assert.deepEqual(response.body.brokenAt, { id: Number(entry!.id), seq: Number(entry!.seq) });
      assert.equal(typeof response.body.reason, 'string');
    });
  });

  describe('rate-limit headers', () => {
    const assertRateLimitHeaders = (headers: Headers) => {
      const limit = Number(headers.get('x-ratelimit-limit'));
      const remaining = Number(headers.get('x-ratelimit-remaining'));
      const reset = Number(headers.get('x-ratelimit-reset'));
      assert.equal(limit, 1200, 'the default vault limit');
      assert.ok(
        Number.isInteger(remaining) && remaining >= 0 && remaining < limit,
        `X-RateLimit-Remaining: ${headers.get('x-ratelimit-remaining')}`,
      );
      const now = Date.now() / 1000;
      assert.ok(
        Number.isInteger(reset) && reset > now - 1 && reset <= now + 61,
        `X-RateLimit-Reset is unix seconds within the window: ${reset}`,
      );
      return { limit, remaining, reset };
    };

    it('carries X-RateLimit-Limit, -Remaining and -Reset on every successful answer', async () => {
      const project = await newProject();
      const responses = [
        await api.write(project.id, 'development', { A: 'a' }),
        await api.read(project.id, 'development'),
        await api.getKey(project.id, 'development', 'A'),
        await api.history(project.id, 'development', 'A'),
        await api.listProjects(),
        await api.getProject(project.id),
        await api.listBranches(project.id),
        await api.audit(),
      ];
      for (const response of responses) {
        assert.equal(response.status, 200, response.text);
        assertRateLimitHeaders(response.headers);
      }
    });

    it('counts Remaining down from one request to the next', async () => {
      // A caller of its own, so that nothing else counts in between.
      const { token } = await signUp(server, 'headers@example.com');
      const own = vaultClient(server, token);
      const first = assertRateLimitHeaders((await own.listProjects()).headers);
      const second = assertRateLimitHeaders((await own.listProjects()).headers);
      assert.equal(first.remaining, 1199);
      assert.equal(second.remaining, 1198);
    });

    it('carries them on an authenticated caller’s 400 (bad environment name, bad key name, bad body)', async () => {
      const project = await newProject();
      const responses = [
        await api.read(project.id, 'Bad.Env'),
        await api.getKey(project.id, 'development', 'BAD KEY'),
        await api.call(secretsPath(project.id, 'development'), { body: ['not', 'an', 'object'] }),
      ];
      for (const response of responses) {
        assert.equal(response.status, 400, response.text);
        assertRateLimitHeaders(response.headers);
      }
    });

    it('carries them on error answers too (404, 409)', async () => {
      const project = await newProject();
      await writeSecrets(api, project.id, 'development', { A: 'a' });
      assertRateLimitHeaders((await api.getKey(project.id, 'development', 'MISSING')).headers);
      assertRateLimitHeaders((await api.read(randomUUID(), 'development')).headers);
      assertRateLimitHeaders(
        (await api.write(project.id, 'development', { A: 'b' }, { expectedVersions: { A: 0 } })).headers,
      );
    });
  });
});

describe('vault API rate limit (PAVISE_RATE_LIMIT_VAULT=3/60)', () => {
  const server = suiteServer({ PAVISE_RATE_LIMIT_VAULT: '3/60' });

  it('answers the fourth request in the window with 429, Retry-After and {error, retryAfter}', async () => {
    const api = vaultClient(server, server.bootstrap!.pat);
    const allowed = [await api.listProjects(), await api.listProjects(), await api.listProjects()];
    assert.deepEqual(
      allowed.map((r) => r.status),
      [200, 200, 200],
    );
    assert.deepEqual(
      allowed.map((r) => r.headers.get('x-ratelimit-limit')),
      ['3', '3', '3'],
    );
    assert.deepEqual(
      allowed.map((r) => r.headers.get('x-ratelimit-remaining')),
      ['2', '1', '0'],
    );

    const limited = await api.listProjects();
    assert.equal(limited.status, 429, limited.text);
    const retryAfter = Number(limited.headers.get('retry-after'));
    // The sliding window can ask for up to two windows' wait.
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120,
      `Retry-After: ${limited.headers.get('retry-after')}`,
    );
    assert.deepEqual(Object.keys(limited.body).sort(), ['error', 'retryAfter']);
    assert.equal(limited.body.retryAfter, retryAfter);
    assert.match(limited.body.error, /Too Many Requests/);
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('x-ratelimit-limit'), '3');
  });

  it('limits every route, secrets included, and does not run the refused request', async () => {
    const { token } = await signUp(server, 'limited@example.com');
    const api = vaultClient(server, token);
    const project = await api.createProject('limited');
    await writeSecrets(api, project.id, 'development', { A: 'a' });
    assert.equal((await api.read(project.id, 'development')).status, 200);
    const refused = await api.write(project.id, 'development', { A: 'written-anyway' });
    assertError(refused, 429, /retry after/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const [row] = await server.pavise.db.query<{ version: number }>(
      "SELECT version FROM vault.secrets WHERE project_id = $1 AND key = 'A'",
      [project.id],
    );
    assert.equal(row!.version, 1, 'the refused write did not happen');
  });

  it('counts a refused input too: its 400 carries the X-RateLimit-* headers', async () => {
    const { token } = await signUp(server, 'bad-input@example.com');
    const api = vaultClient(server, token);
    const refused = await api.postProject({ name: '' });
    assertError(refused, 400, /"name" is required/);
    assert.equal(refused.headers.get('x-ratelimit-limit'), '3');
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '2');
    assert.equal((await api.listProjects()).headers.get('x-ratelimit-remaining'), '1', 'the 400 was counted');
  });

  it('counts per caller: another user is still served', async () => {
    const first = await signUp(server, 'busy@example.com');
    const busy = vaultClient(server, first.token);
    for (let i = 0; i < 4; i++) await busy.listProjects();
    assert.equal((await busy.listProjects()).status, 429);
    const second = await signUp(server, 'idle@example.com');
    const idle = await vaultClient(server, second.token).listProjects();
    assert.equal(idle.status, 200, idle.text);
    assert.equal(idle.headers.get('x-ratelimit-remaining'), '2');
  });
});
