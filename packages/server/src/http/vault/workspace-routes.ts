import { auditChainFor, listAudit, verifyChain } from '../../vault/audit.js';
import { createBranch, deleteBranch, listBranches } from '../../vault/branches.js';
import {
  auditQuery,
  branchDeleteQuery,
  branchListQuery,
  createBranchInput,
  createProjectInput,
  createServiceAccountInput,
  createServiceAccountKeyInput,
  projectParams,
  projectQuery,
  serviceAccountKeyParams,
  serviceAccountParams,
} from '../../vault/inputs.js';
import { createProject, describeProject, listProjects } from '../../vault/projects.js';
import {
  createServiceAccount,
  createServiceAccountKey,
  deleteServiceAccount,
  listServiceAccountKeys,
  listServiceAccounts,
  revokeServiceAccountKey,
} from '../../vault/service-accounts.js';
import type { Vault } from '../../vault/vault.js';
import { callerOf, projectOf } from './request-context.js';
import { type VaultScope, vaultBody } from './scope.js';

/** Projects, branches, service accounts and the audit trail. */
export function registerWorkspaceRoutes(scope: VaultScope, { db, dataKeys }: Vault): void {
  // --- projects (XtraSecurity's real routes, /api/project, and the spec's /api/projects/{id}) ---
  // GET /api/project?id=<id> describes one project; without an id it lists the caller's.
  scope.get('/api/project', { schema: { querystring: projectQuery }, config: { project: 'query' } }, async (request) =>
    request.vault.project
      ? describeProject(db, projectOf(request))
      : listProjects(db, callerOf(request), request.query.dataControllerId),
  );
  scope.post('/api/project', { schema: { body: vaultBody(createProjectInput) } }, async (request, reply) => {
    const project = await createProject(db, dataKeys, callerOf(request), request.body);
    return reply.code(201).send(project);
  });
  scope.get(
    '/api/projects/:projectId',
    { schema: { params: projectParams }, config: { project: 'params' } },
    async (request) => describeProject(db, projectOf(request)),
  );

  // --- branches ---
  scope.get(
    '/api/branch',
    { schema: { querystring: branchListQuery }, config: { project: 'query' } },
    async (request) => listBranches(db, projectOf(request)),
  );
  scope.post(
    '/api/branch',
    { schema: { body: vaultBody(createBranchInput) }, config: { project: 'body' } },
    async (request, reply) => {
      const branch = await createBranch(db, projectOf(request), request.body);
      return reply.code(201).send(branch);
    },
  );
  scope.delete(
    '/api/branch',
    { schema: { querystring: branchDeleteQuery }, config: { project: 'query' } },
    async (request, reply) => {
      await deleteBranch(db, projectOf(request), request.query.name);
      return reply.send({ success: true });
    },
  );

  // --- service accounts ---
  const accounts = '/api/projects/:projectId/service-accounts';
  const inProject = { project: 'params' } as const;
  scope.get(accounts, { schema: { params: projectParams }, config: inProject }, async (request) =>
    listServiceAccounts(db, projectOf(request)),
  );
  scope.post(
    accounts,
    { schema: { params: projectParams, body: vaultBody(createServiceAccountInput) }, config: inProject },
    async (request, reply) => {
      const account = await createServiceAccount(db, projectOf(request), request.body);
      return reply.code(201).send(account);
    },
  );
  scope.delete(
    `${accounts}/:accountId`,
    { schema: { params: serviceAccountParams }, config: inProject },
    async (request, reply) => {
      await deleteServiceAccount(db, projectOf(request), request.params.accountId);
      return reply.send({ success: true });
    },
  );
  scope.get(
    `${accounts}/:accountId/keys`,
    { schema: { params: serviceAccountParams }, config: inProject },
    async (request) => listServiceAccountKeys(db, projectOf(request), request.params.accountId),
  );
  scope.post(
    `${accounts}/:accountId/keys`,
    { schema: { params: serviceAccountParams, body: vaultBody(createServiceAccountKeyInput) }, config: inProject },
    async (request, reply) => {
      const key = await createServiceAccountKey(db, projectOf(request), request.params.accountId, request.body);
      return reply.code(201).header('cache-control', 'no-store').send(key);
    },
  );
  scope.delete(
    `${accounts}/:accountId/keys/:keyId`,
    { schema: { params: serviceAccountKeyParams }, config: inProject },
    async (request, reply) => {
      const { accountId, keyId } = request.params;
      await revokeServiceAccountKey(db, projectOf(request), accountId, keyId);
      return reply.send({ success: true });
    },
  );

  // --- audit ---
  scope.get('/api/audit', { schema: { querystring: auditQuery } }, async (request) => {
    const { page, pageSize } = request.query;
    return listAudit(db, await auditChainFor(db, callerOf(request), request.query), page, pageSize);
  });
  scope.get('/api/audit/verify', { schema: { querystring: auditQuery } }, async (request) => {
    const { chain } = await auditChainFor(db, callerOf(request), { dataControllerId: request.query.dataControllerId });
    return verifyChain(db, chain);
  });
}
