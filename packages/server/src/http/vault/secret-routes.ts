import { notFound } from '../../vault/errors.js';
import {
  branchQuery,
  environmentParams,
  readQuery,
  rollbackInput,
  secretParams,
  writeInput,
} from '../../vault/inputs.js';
import { deleteSecret, rollbackSecret, writeSecrets } from '../../vault/secret-writes.js';
import { readSecrets, readSecretValues, secretHistory } from '../../vault/secrets.js';
import type { Vault } from '../../vault/vault.js';
import { projectOf } from './request-context.js';
import { type VaultScope, vaultBody } from './scope.js';

const where = (environment: string, branch: string) =>
  `${environment}${branch === 'main' ? '' : ` (branch '${branch}')`}`;

/** /api/projects/:projectId/envs/:env/secrets[/:key[/history]] — the XtraSecurity paths. */
export function registerSecretRoutes(scope: VaultScope, vault: Vault): void {
  const base = '/api/projects/:projectId/envs/:env/secrets';
  const inProject = { project: 'params' } as const;

  scope.get(
    base,
    { schema: { params: environmentParams, querystring: readQuery }, config: inProject },
    async (request, reply) => {
      const { env } = request.params;
      const { branch, includeVersions } = request.query;
      const context = projectOf(request);
      const body = includeVersions
        ? Object.fromEntries(await readSecrets(vault, context, env, branch))
        : await readSecretValues(vault, context, env, branch);
      return reply.header('cache-control', 'no-store').send(body);
    },
  );

  scope.post(
    base,
    { schema: { params: environmentParams, querystring: branchQuery, body: vaultBody(writeInput) }, config: inProject },
    async (request, reply) => {
      const branch = request.body.branch ?? request.query.branch;
      const versions = await writeSecrets(vault, projectOf(request), request.params.env, branch, request.body);
      return reply.send({ success: true, count: Object.keys(versions).length, versions });
    },
  );

  scope.get(
    `${base}/:key`,
    { schema: { params: secretParams, querystring: branchQuery }, config: inProject },
    async (request, reply) => {
      const { env, key } = request.params;
      const { branch } = request.query;
      const entry = (await readSecrets(vault, projectOf(request), env, branch, key)).get(key);
      if (!entry) throw notFound(`Secret ${key} not found in ${where(env, branch)}`);
      return reply.header('cache-control', 'no-store').send({ key, ...entry, environment: env, branch });
    },
  );

  scope.delete(
    `${base}/:key`,
    { schema: { params: secretParams, querystring: branchQuery }, config: inProject },
    async (request, reply) => {
      const { env, key } = request.params;
      const version = await deleteSecret(vault, projectOf(request), env, request.query.branch, key);
      return reply.send({ success: true, version });
    },
  );

  scope.get(
    `${base}/:key/history`,
    { schema: { params: secretParams, querystring: branchQuery }, config: inProject },
    async (request, reply) => {
      const { env, key } = request.params;
      const history = await secretHistory(vault, projectOf(request), env, request.query.branch, key);
      return reply.header('cache-control', 'no-store').send(history);
    },
  );

  scope.post(
    `${base}/:key/history`,
    { schema: { params: secretParams, querystring: branchQuery, body: vaultBody(rollbackInput) }, config: inProject },
    async (request, reply) => {
      const { env, key } = request.params;
      const branch = request.body.branch ?? request.query.branch;
      const version = await rollbackSecret(vault, projectOf(request), env, branch, key, request.body.version);
      return reply.send({ success: true, version });
    },
  );
}
