import assert from 'node:assert/strict';
import type { Project } from '../../src/vault/projects.js';
import type { Response } from './http.js';
import type { TestServer } from './server.js';

export type { Project };

type CallOptions = NonNullable<Parameters<TestServer['call']>[1]>;
type Query = Record<string, string | number | boolean | undefined>;

/** How the credential is sent: `Authorization: Bearer` or `X-API-Key`. */
export type Via = 'bearer' | 'api-key';

function queryString(query: Query = {}): string {
  const entries = Object.entries(query).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
  );
  return entries.length === 0
    ? ''
    : `?${new URLSearchParams(entries.map(([name, value]): [string, string] => [name, String(value)])).toString()}`;
}

export function secretsPath(projectId: string, env: string, key?: string): string {
  const base = `/api/projects/${encodeURIComponent(projectId)}/envs/${encodeURIComponent(env)}/secrets`;
  return key === undefined ? base : `${base}/${encodeURIComponent(key)}`;
}

/**
 * A thin client for the vault's REST API (/api/...), for the contract tests: each method sends
 * one request with the client's credential and returns the raw response, so that tests can
 * assert statuses, headers and bodies themselves.
 */
export function vaultClient(server: TestServer, token: string | undefined, via: Via = 'bearer') {
  const call = (path: string, options: CallOptions = {}): Promise<Response> => {
    const auth =
      token === undefined ? {} : via === 'bearer' ? { token } : { headers: { 'x-api-key': token, ...options.headers } };
    return server.call(path, { ...options, ...auth });
  };
  return {
    call,
    listProjects: (query?: Query) => call(`/api/project${queryString(query)}`),
    getProject: (projectId: string) => call(`/api/projects/${encodeURIComponent(projectId)}`),
    getProjectById: (projectId: string) => call(`/api/project${queryString({ id: projectId })}`),
    postProject: (body: Record<string, unknown>) => call('/api/project', { body }),
    async createProject(name: string, extra: Record<string, unknown> = {}): Promise<Project> {
      const response = await call('/api/project', { body: { name, ...extra } });
      assert.equal(response.status, 201, response.text);
      return response.body as Project;
    },

    read: (projectId: string, env: string, query?: Query) =>
      call(`${secretsPath(projectId, env)}${queryString(query)}`),
    write: (projectId: string, env: string, secrets: unknown, extra: Record<string, unknown> = {}) =>
      call(secretsPath(projectId, env), { body: { secrets, ...extra } }),
    getKey: (projectId: string, env: string, key: string, query?: Query) =>
      call(`${secretsPath(projectId, env, key)}${queryString(query)}`),
    deleteKey: (projectId: string, env: string, key: string, query?: Query) =>
      call(`${secretsPath(projectId, env, key)}${queryString(query)}`, { method: 'DELETE' }),
    history: (projectId: string, env: string, key: string, query?: Query) =>
      call(`${secretsPath(projectId, env, key)}/history${queryString(query)}`),
    rollback: (projectId: string, env: string, key: string, body: Record<string, unknown>) =>
      call(`${secretsPath(projectId, env, key)}/history`, { body }),

    listBranches: (projectId: string) => call(`/api/branch${queryString({ projectId })}`),
    createBranch: (projectId: string, name: string, extra: Record<string, unknown> = {}) =>
      call('/api/branch', { body: { projectId, name, ...extra } }),
    deleteBranch: (projectId: string, name: string) =>
      call(`/api/branch${queryString({ projectId, name })}`, { method: 'DELETE' }),

    listServiceAccounts: (projectId: string) => call(`/api/projects/${projectId}/service-accounts`),
    createServiceAccount: (projectId: string, body: Record<string, unknown>) =>
      call(`/api/projects/${projectId}/service-accounts`, { body }),
    deleteServiceAccount: (projectId: string, accountId: string) =>
      call(`/api/projects/${projectId}/service-accounts/${accountId}`, { method: 'DELETE' }),
    listKeys: (projectId: string, accountId: string) =>
      call(`/api/projects/${projectId}/service-accounts/${accountId}/keys`),
    createKey: (projectId: string, accountId: string, body: Record<string, unknown> = {}) =>
      call(`/api/projects/${projectId}/service-accounts/${accountId}/keys`, { body }),
    revokeKey: (projectId: string, accountId: string, keyId: string) =>
      call(`/api/projects/${projectId}/service-accounts/${accountId}/keys/${keyId}`, { method: 'DELETE' }),

    audit: (query?: Query) => call(`/api/audit${queryString(query)}`),
    verifyAudit: (query?: Query) => call(`/api/audit/verify${queryString(query)}`),
  };
}

export type VaultClient = ReturnType<typeof vaultClient>;

/** Writes secrets and returns the new versions; fails the test unless the write succeeds. */
export async function writeSecrets(
  client: VaultClient,
  projectId: string,
  env: string,
  secrets: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<Record<string, number>> {
  const response = await client.write(projectId, env, secrets, extra);
  assert.equal(response.status, 200, response.text);
  return response.body.versions;
}

/** The detailed view (includeVersions=true) of an environment; fails the test unless it is a 200. */
export async function readDetailed(
  client: VaultClient,
  projectId: string,
  env: string,
  branch?: string,
): Promise<Record<string, { value: string; version: number; updatedAt: string; inherited: boolean }>> {
  const response = await client.read(projectId, env, { includeVersions: true, branch });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Asserts an error answer: the status, a JSON `{error}` with a non-empty sentence, and optionally its wording. */
export function assertError(response: Response, status: number, message?: RegExp): void {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.equal(typeof response.body, 'object', response.text);
  assert.equal(typeof response.body.error, 'string', response.text);
  assert.ok(response.body.error.length > 10, `the error says what is wrong: ${response.text}`);
  if (message) assert.match(response.body.error, message);
}

/** Asserts that `object` has exactly these fields, in any order. */
export function assertFields(object: object, fields: string[]): void {
  assert.deepEqual(Object.keys(object).sort(), [...fields].sort());
}

/** Asserts a creation: 201, and a body of exactly these fields. */
export function assertCreated(response: Response, fields: string[]): void {
  assert.equal(response.status, 201, response.text);
  assertFields(response.body, fields);
}

/** A personal access token of the user whose access token is `token`, valid for a day: `{id, personalAccessToken}`. */
export async function createPat(
  server: TestServer,
  token: string,
): Promise<{ id: string; personalAccessToken: string }> {
  const response = await server.call('/v1/pat', {
    token,
    body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

/** Signs up a user and returns its access token and id. */
export async function signUp(server: TestServer, email: string): Promise<{ token: string; userId: string }> {
  const response = await server.call('/v1/signup/email-password', { body: { email, password: `Pw1-${email}` } });
  assert.equal(response.status, 200, response.text);
  return { token: response.body.session.accessToken, userId: response.body.session.user.id };
}

/** Makes a user a member of a data controller with the given dashboard role. */
export async function addMember(
  server: TestServer,
  dataControllerId: string,
  userId: string,
  role: string,
): Promise<void> {
  await server.pavise.db.query(
    'INSERT INTO public.data_controller_users (data_controller_id, user_id, role) VALUES ($1, $2, $3)',
    [dataControllerId, userId, role],
  );
}
