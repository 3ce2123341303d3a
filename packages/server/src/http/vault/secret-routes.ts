import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from '../../vault/errors.js';
import { branchName, environmentName, secretKey } from '../../vault/names.js';
import {
  deleteSecret,
  readSecrets,
  readSecretValues,
  rollbackSecret,
  secretHistory,
  writeSecrets,
} from '../../vault/secrets.js';
import type { VaultHandler } from './handler.js';
import { bodyObject } from './input.js';

type SecretParams = { projectId: string; env: string; key: string };
type BranchQuery = { branch?: string; includeVersions?: string };

const isTrue = (value: unknown) => value === 'true' || value === '1';

const where = (environment: string, branch: string) =>
  `${environment}${branch === 'main' ? '' : ` (branch '${branch}')`}`;

/** /api/projects/:projectId/envs/:env/secrets[/:key[/history]] — the XtraSecurity paths. */
export function registerSecretRoutes(scope: FastifyInstance, handler: VaultHandler): void {
  const vault = handler.vault;
  const base = '/api/projects/:projectId/envs/:env/secrets';

  scope.get<{ Params: Omit<SecretParams, 'key'>; Querystring: BranchQuery }>(base, async (request, reply) => {
    const body = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const branch = branchName(request.query.branch);
      const detailed = isTrue(request.query.includeVersions);
      return {
        projectId: request.params.projectId,
        branch,
        run: async (context) =>
          detailed
            ? Object.fromEntries(await readSecrets(vault, context, environment, branch))
            : readSecretValues(vault, context, environment, branch),
      };
    });
    return reply.header('cache-control', 'no-store').send(body);
  });

  scope.post<{ Params: Omit<SecretParams, 'key'>; Querystring: BranchQuery }>(base, async (request, reply) => {
    const versions = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const body = bodyObject(request.body);
      const branch = branchName(body.branch ?? request.query.branch);
      return {
        projectId: request.params.projectId,
        branch,
        run: (context) =>
          writeSecrets(vault, context, environment, branch, {
            secrets: body.secrets,
            expectedVersions: body.expectedVersions,
          }),
      };
    });
    return reply.send({ success: true, count: Object.keys(versions).length, versions });
  });

  scope.get<{ Params: SecretParams; Querystring: BranchQuery }>(`${base}/:key`, async (request, reply) => {
    const secret = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const branch = branchName(request.query.branch);
      const key = secretKey(request.params.key);
      return {
        projectId: request.params.projectId,
        branch,
        run: async (context) => {
          const entry = (await readSecrets(vault, context, environment, branch, key)).get(key);
          if (!entry) throw notFound(`Secret ${key} not found in ${where(environment, branch)}`);
          return { key, ...entry, environment, branch };
        },
      };
    });
    return reply.header('cache-control', 'no-store').send(secret);
  });

  scope.delete<{ Params: SecretParams; Querystring: BranchQuery }>(`${base}/:key`, async (request, reply) => {
    const version = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const branch = branchName(request.query.branch);
      const key = secretKey(request.params.key);
      return {
        projectId: request.params.projectId,
        branch,
        run: (context) => deleteSecret(vault, context, environment, branch, key),
      };
    });
    return reply.send({ success: true, version });
  });

  scope.get<{ Params: SecretParams; Querystring: BranchQuery }>(`${base}/:key/history`, async (request, reply) => {
    const history = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const branch = branchName(request.query.branch);
      const key = secretKey(request.params.key);
      return {
        projectId: request.params.projectId,
        branch,
        run: (context) => secretHistory(vault, context, environment, branch, key),
      };
    });
    return reply.header('cache-control', 'no-store').send(history);
  });

  scope.post<{ Params: SecretParams; Querystring: BranchQuery }>(`${base}/:key/history`, async (request, reply) => {
    const version = await handler.withProject(request, reply, () => {
      const environment = environmentName(request.params.env);
      const body = bodyObject(request.body);
      const branch = branchName(body.branch ?? request.query.branch);
      const key = secretKey(request.params.key);
      if (body.version === undefined) throw invalid('"version" is required: the version to roll back to');
      return {
        projectId: request.params.projectId,
        branch,
        run: (context) => rollbackSecret(vault, context, environment, branch, key, body.version),
      };
    });
    return reply.send({ success: true, version });
  });
}
