import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from '../../vault/errors.js';
import { branchName, environmentName, secretKey } from '../../vault/names.js';
import { deleteSecret, readSecrets, rollbackSecret, secretHistory, writeSecrets } from '../../vault/secrets.js';
import type { VaultHandler } from './handler.js';

type SecretParams = { projectId: string; env: string; key?: string };
type BranchQuery = { branch?: string; includeVersions?: string };

const isTrue = (value: unknown) => value === 'true' || value === '1';

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** /api/projects/:projectId/envs/:env/secrets[/:key[/history]] — the XtraSecurity paths. */
export function registerSecretRoutes(scope: FastifyInstance, handler: VaultHandler): void {
  const deps = () => ({ db: handler.vault.db, dataKeys: handler.vault.dataKeys });
  const base = '/api/projects/:projectId/envs/:env/secrets';

  scope.get<{ Params: SecretParams; Querystring: BranchQuery }>(base, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const branch = branchName(request.query.branch);
    const secrets = await handler.withProject(request, reply, request.params.projectId, branch, (context) => readSecrets(deps(), context, environment, branch));
    const body: Record<string, unknown> = {};
    const detailed = isTrue(request.query.includeVersions);
    for (const [key, entry] of secrets) body[key] = detailed ? entry : entry.value;
    return reply.header('cache-control', 'no-store').send(body);
  });

  scope.post<{ Params: SecretParams; Querystring: BranchQuery }>(base, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const body = bodyObject(request.body);
    const branch = branchName(body.branch ?? request.query.branch);
    const versions = await handler.withProject(request, reply, request.params.projectId, branch, (context) =>
      writeSecrets(deps(), context, environment, branch, { secrets: body.secrets, expectedVersions: body.expectedVersions }),
    );
    return reply.send({ success: true, count: Object.keys(versions).length, versions });
  });

  scope.get<{ Params: Required<SecretParams>; Querystring: BranchQuery }>(`${base}/:key`, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const branch = branchName(request.query.branch);
    const key = secretKey(request.params.key);
    const secrets = await handler.withProject(request, reply, request.params.projectId, branch, (context) => readSecrets(deps(), context, environment, branch, key));
    const entry = secrets.get(key);
    if (!entry) throw notFound(`Secret ${key} not found in ${environment}${branch === 'main' ? '' : ` (branch '${branch}')`}`);
    return reply.header('cache-control', 'no-store').send({ key, ...entry, environment, branch });
  });

  scope.delete<{ Params: Required<SecretParams>; Querystring: BranchQuery }>(`${base}/:key`, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const branch = branchName(request.query.branch);
    const version = await handler.withProject(request, reply, request.params.projectId, branch, (context) =>
      deleteSecret(deps(), context, environment, branch, request.params.key),
    );
    return reply.send({ success: true, version });
  });

  scope.get<{ Params: Required<SecretParams>; Querystring: BranchQuery }>(`${base}/:key/history`, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const branch = branchName(request.query.branch);
    const history = await handler.withProject(request, reply, request.params.projectId, branch, (context) =>
      secretHistory(deps(), context, environment, branch, request.params.key),
    );
    return reply.header('cache-control', 'no-store').send(history);
  });

  scope.post<{ Params: Required<SecretParams>; Querystring: BranchQuery }>(`${base}/:key/history`, async (request, reply) => {
    const environment = environmentName(request.params.env);
    const body = bodyObject(request.body);
    const branch = branchName(body.branch ?? request.query.branch);
    if (body.version === undefined) throw invalid('"version" is required: the version to roll back to');
    const version = await handler.withProject(request, reply, request.params.projectId, branch, (context) =>
      rollbackSecret(deps(), context, environment, branch, request.params.key, body.version),
    );
    return reply.send({ success: true, version });
  });
}
