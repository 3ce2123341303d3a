import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { assertNotInClear } from './helpers/at-rest.js';
import { createTestDatabase, LANE } from './helpers/database.js';
import { request } from './helpers/http.js';
import { runCli, type ServerProcess, startServerProcess } from './helpers/process.js';
import { unless } from './helpers/requirements.js';
import { parseBootstrapBlock } from './helpers/server.js';
import { totpCode } from './helpers/totp.js';

/** A value no other byte sequence in the database could contain by chance. */
const secretValue = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/** Registers a data subject (signing in with the PAT first); the controller's root key is made then. */
async function createSubject(server: ServerProcess, pat: string, payload: Record<string, string>): Promise<string> {
  const jwt = (await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } })).body.session
    .accessToken as string;
  const controllers = await request(`${server.url}/v1/graphql`, {
    token: jwt,
    body: { query: '{ dataControllers { id } }' },
  });
  const created = await request(`${server.url}/v1/graphql`, {
    token: jwt,
    body: {
      query: 'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId } }',
      variables: { input: { event: 'signup', dataControllerId: controllers.body.data.dataControllers[0].id, payload } },
    },
  });
  return created.body.data.createDataSubject.dataSubjectId as string;
}

/** The personal data of a subject's export, decrypted by the server with its keys. */
async function exportedPersonalData(server: ServerProcess, pat: string, subjectId: string): Promise<unknown> {
  const jwt = (await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } })).body.session
    .accessToken as string;
  const exported = await request(`${server.url}/v1/graphql`, {
    token: jwt,
    body: {
      query: 'mutation($s: uuid!) { exportDataSubjectData(dataSubjectId: $s) { data { content } } }',
      variables: { s: subjectId },
    },
  });
  return JSON.parse(exported.body.data.exportDataSubjectData.data.content).personalData.map(
    (entry: { data: unknown }) => entry.data,
  );
}

function client(server: ServerProcess, token: string) {
  return (route: string, options: Parameters<typeof request>[1] = {}) =>
    request(`${server.url}/api${route}`, { token, ...options });
}

/** Enrols the PAT's account in TOTP (on the real clock of a server process); returns the secret. */
async function enrolTotp(server: ServerProcess, pat: string): Promise<string> {
  const session = (await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } })).body.session;
  const { totpSecret } = (await request(`${server.url}/v1/mfa/totp/generate`, { token: session.accessToken })).body;
  const activated = await request(`${server.url}/v1/user/mfa`, {
    token: session.accessToken,
    body: { code: totpCode(totpSecret, Date.now()), activeMfaType: 'totp' },
  });
  assert.equal(activated.status, 200, activated.text);
  return totpSecret;
}

/** The status of a two-step sign-in; the code is the next step's (the enrolment spent the current one). */
async function signInWithTotp(server: ServerProcess, email: string, password: string, secret: string) {
  const first = await request(`${server.url}/v1/signin/email-password`, { body: { email, password } });
  const second = await request(`${server.url}/v1/signin/mfa/totp`, {
    body: { ticket: first.body.mfa.ticket, otp: totpCode(secret, Date.now() + 30_000) },
  });
  return second.status;
}

async function createProjectWithSecrets(api: ReturnType<typeof client>, name: string, secrets: Record<string, string>) {
  const project = await api('/project', { body: { name } });
  assert.equal(project.status, 201, project.text);
  const written = await api(`/projects/${project.body.id}/envs/production/secrets`, { body: { secrets } });
  assert.equal(written.status, 200, written.text);
  return project.body.id as string;
}

describe('vault: no secret value in clear at rest, and master-key rotation', { skip: await unless('pg_dump') }, () => {
  it('keeps every secret value out of the database files, the dump and the logs', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, PAVISE_LOG_LEVEL: 'trace' });
    const values: string[] = [];
    try {
      const api = client(server, parseBootstrapBlock(server.stdout())!.pat);
      const secrets = {
        DATABASE_URL: secretValue('postgres://app:pw@db'),
        STRIPE_KEY: secretValue('sk_live'),
        MULTIBYTE: secretValue('clé-ß-✓'),
      };
      values.push(...Object.values(secrets));
      const projectId = await createProjectWithSecrets(api, 'At rest', secrets);
      const branch = await api('/branch', { body: { projectId, name: 'feature/x' } });
      assert.equal(branch.status, 201);
      const override = secretValue('branch-override');
      const rotated = secretValue('second-version');
      values.push(override, rotated);
      assert.equal(
        (
          await api(`/projects/${projectId}/envs/production/secrets`, {
            body: { secrets: { STRIPE_KEY: override }, branch: 'feature/x' },
          })
        ).status,
        200,
      );
      assert.equal(
        (await api(`/projects/${projectId}/envs/production/secrets`, { body: { secrets: { DATABASE_URL: rotated } } }))
          .status,
        200,
      );
      // Every way of reading a value, so a value a read path logged would be found.
      const read = await api(`/projects/${projectId}/envs/production/secrets?branch=feature/x&includeVersions=true`);
      assert.equal(read.body.STRIPE_KEY.value, override);
      assert.equal(
        (await api(`/projects/${projectId}/envs/production/secrets/DATABASE_URL/history`)).body.history.length,
        2,
      );
      assert.equal(
        (await api(`/projects/${projectId}/envs/production/secrets/MULTIBYTE`)).body.value,
        secrets.MULTIBYTE,
      );
      assert.equal(await server.stop('SIGTERM'), 0);

      // Key names are stored in clear.
      await assertNotInClear(database, server.stdout() + server.stderr(), values, 'STRIPE_KEY');
    } finally {
      await server.stop('SIGKILL');
      await database.drop();
    }
  });

  it('rotates the development master key; every secret stays readable, before and after a restart', async () => {
    const database = await createTestDatabase();
    const keyFile = path.join(database.dataDir, 'vault-master-keys.json');
    let server = await startServerProcess(database.env);
    try {
      const pat = parseBootstrapBlock(server.stdout())!.pat;
      const first = { A: secretValue('a'), B: secretValue('b') };
      const second = { C: secretValue('c') };
      const firstId = await createProjectWithSecrets(client(server, pat), 'One', first);
      const secondId = await createProjectWithSecrets(client(server, pat), 'Two', second);
      const keyBefore = await fs.readFile(keyFile, 'utf8');

      // PostgreSQL: rotate while the server serves. PGlite is one process at a time: stop it first.
      if (LANE === 'pglite') assert.equal(await server.stop('SIGTERM'), 0);
      const rotation = await runCli(['vault', 'rotate-master-key'], database.env);
      assert.equal(rotation.code, 0, rotation.stderr);
      assert.match(rotation.stdout, /Re-wrapped 2 of 2 project data keys/);
      const keyAfter = await fs.readFile(keyFile, 'utf8');
      assert.notEqual(keyAfter, keyBefore, 'the key file holds a new key');
      assert.equal(JSON.parse(keyAfter).keys.length, 1, 'the old key is gone from the file');

      if (LANE === 'postgres') {
        // The running server meets data keys wrapped by a key it has not seen, and rereads the file.
        assert.deepEqual((await client(server, pat)(`/projects/${firstId}/envs/production/secrets`)).body, first);
        assert.deepEqual((await client(server, pat)(`/projects/${secondId}/envs/production/secrets`)).body, second);
        assert.equal(await server.stop('SIGTERM'), 0);
      }
      server = await startServerProcess(database.env);
      assert.deepEqual((await client(server, pat)(`/projects/${firstId}/envs/production/secrets`)).body, first);
      assert.deepEqual((await client(server, pat)(`/projects/${secondId}/envs/production/secrets`)).body, second);
    } finally {
      await server.stop('SIGKILL');
      await database.drop();
    }
  });

  it('rotates a configured master key with PAVISE_NEW_MASTER_KEY; the old key alone no longer opens the vault', async () => {
    const database = await createTestDatabase();
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    let server = await startServerProcess({ ...database.env, PAVISE_MASTER_KEY: oldKey });
    try {
      const pat = parseBootstrapBlock(server.stdout())!.pat;
      const secrets = { TOKEN: secretValue('t') };
      const projectId = await createProjectWithSecrets(client(server, pat), 'Configured', secrets);
      // The privacy domain's controller key is wrapped by the same master key.
      const person = { email: 'rotation@example.com', displayName: 'Rota Tion' };
      const subjectId = await createSubject(server, pat, person);
      // So is the owner's TOTP secret.
      const owner = parseBootstrapBlock(server.stdout())!;
      const totpSecret = await enrolTotp(server, pat);
      assert.equal(await server.stop('SIGTERM'), 0);

      const missing = await runCli(['vault', 'rotate-master-key'], { ...database.env, PAVISE_MASTER_KEY: oldKey });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /PAVISE_NEW_MASTER_KEY: required/);
      const rotation = await runCli(['vault', 'rotate-master-key'], {
        ...database.env,
        PAVISE_MASTER_KEY: oldKey,
        PAVISE_NEW_MASTER_KEY: newKey,
      });
      assert.equal(rotation.code, 0, rotation.stderr);
      assert.match(
        rotation.stdout,
        /Re-wrapped 1 of 1 project data keys, 1 of 1 data controller keys and 1 of 1 TOTP secrets/,
      );

      server = await startServerProcess({ ...database.env, PAVISE_MASTER_KEY: newKey });
      assert.deepEqual((await client(server, pat)(`/projects/${projectId}/envs/production/secrets`)).body, secrets);
      assert.deepEqual(
        await exportedPersonalData(server, pat, subjectId),
        [person],
        "the subject's data opens under the new key",
      );
      assert.equal(
        await signInWithTotp(server, owner.email, owner.password, totpSecret),
        200,
        'the TOTP secret opens under the new key',
      );
      assert.equal(await server.stop('SIGTERM'), 0);

      server = await startServerProcess({ ...database.env, PAVISE_MASTER_KEY: oldKey });
      const refused = await client(server, pat)(`/projects/${projectId}/envs/production/secrets`);
      assert.equal(refused.status, 500);
      assert.match(refused.body.error, /master key/);
      assert.ok(!refused.text.includes(secrets.TOKEN));
    } finally {
      await server.stop('SIGKILL');
      await database.drop();
    }
  });
});
