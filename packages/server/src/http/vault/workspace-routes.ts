import type { FastifyInstance } from 'fastify';
import { auditChainFor, listAudit, verifyChain } from '../../vault/audit.js';
import { createBranch, deleteBranch, listBranches } from '../../vault/branches.js';
import { invalid } from '../../vault/errors.js';
import { branchName } from '../../vault/names.js';
import { createProject, describeProject, listProjects } from '../../vault/projects.js';
import {
  createServiceAccount,
  createServiceAccountKey,
  deleteServiceAccount,
  listServiceAccountKeys,
  listServiceAccounts,
  revokeServiceAccountKey,
} from '../../vault/service-accounts.js';
import type { VaultHandler } from './handler.js';
import { bodyObject } from './input.js';

function pageNumber(raw: unknown, fallback: number, max: number, name: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw invalid(`"${name}" must be a whole number from 1 to ${max}`);
  return value;
}

/** Projects, branches, service accounts and the audit trail. */
export function registerWorkspaceRoutes(scope: FastifyInstance, handler: VaultHandler): void {
  const { db, dataKeys } = handler.vault;

  // --- projects (XtraSecurity's real routes, /api/project, and the spec's /api/projects/{id}) ---
  scope.get<{ Querystring: { id?: string; dataControllerId?: string } }>('/api/project', async (request, reply) => {
    const { id, dataControllerId } = request.query;
    if (id !== undefined)
      return handler.withProject(request, reply, () => ({
        projectId: id,
        run: (context) => describeProject(db, context),
      }));
    return handler.withCaller(request, reply, () => (caller) => listProjects(db, caller, dataControllerId));
  });
  scope.post('/api/project', async (request, reply) => {
    const project = await handler.withCaller(request, reply, () => {
      const body = bodyObject(request.body);
      return (caller) => createProject(db, dataKeys, caller, body);
    });
    return reply.code(201).send(project);
  });
  scope.get<{ Params: { projectId: string } }>('/api/projects/:projectId', async (request, reply) =>
    handler.withProject(request, reply, () => ({
      projectId: request.params.projectId,
      run: (context) => describeProject(db, context),
    })),
  );

  // --- branches ---
  scope.get<{ Querystring: { projectId?: string } }>('/api/branch', async (request, reply) =>
    handler.withProject(request, reply, () => {
      if (request.query.projectId === undefined)
        throw invalid('"projectId" is required: GET /api/branch?projectId=<id>');
      return { projectId: request.query.projectId, run: (context) => listBranches(db, context) };
    }),
  );
  scope.post('/api/branch', async (request, reply) => {
    const branch = await handler.withProject(request, reply, () => {
      const body = bodyObject(request.body);
      if (body.projectId === undefined) throw invalid('"projectId" is required');
      return { projectId: body.projectId, run: (context) => createBranch(db, context, body) };
    });
    return reply.code(201).send(branch);
  });
  scope.delete<{ Querystring: { projectId?: string; name?: string } }>('/api/branch', async (request, reply) => {
    await handler.withProject(request, reply, () => {
      const { projectId, name } = request.query;
      if (projectId === undefined || name === undefined)
        throw invalid('"projectId" and "name" are required: DELETE /api/branch?projectId=<id>&name=<branch>');
      const branch = branchName(name);
      return { projectId, run: (context) => deleteBranch(db, context, branch) };
    });
    return reply.send({ success: true });
  });

  // --- service accounts ---
  const accounts = '/api/projects/:projectId/service-accounts';
  type AccountParams = { projectId: string; accountId: string; keyId: string };
  scope.get<{ Params: Pick<AccountParams, 'projectId'> }>(accounts, async (request, reply) =>
    handler.withProject(request, reply, () => ({
      projectId: request.params.projectId,
      run: (context) => listServiceAccounts(db, context),
    })),
  );
  scope.post<{ Params: Pick<AccountParams, 'projectId'> }>(accounts, async (request, reply) => {
    const account = await handler.withProject(request, reply, () => {
      const body = bodyObject(request.body);
      return { projectId: request.params.projectId, run: (context) => createServiceAccount(db, context, body) };
    });
    return reply.code(201).send(account);
  });
  scope.delete<{ Params: Omit<AccountParams, 'keyId'> }>(`${accounts}/:accountId`, async (request, reply) => {
    const { projectId, accountId } = request.params;
    await handler.withProject(request, reply, () => ({
      projectId,
      run: (context) => deleteServiceAccount(db, context, accountId),
    }));
    return reply.send({ success: true });
  });
  scope.get<{ Params: Omit<AccountParams, 'keyId'> }>(`${accounts}/:accountId/keys`, async (request, reply) => {
    const { projectId, accountId } = request.params;
    return handler.withProject(request, reply, () => ({
      projectId,
      run: (context) => listServiceAccountKeys(db, context, accountId),
    }));
  });
  scope.post<{ Params: Omit<AccountParams, 'keyId'> }>(`${accounts}/:accountId/keys`, async (request, reply) => {
    const { projectId, accountId } = request.params;
    const key = await handler.withProject(request, reply, () => {
      const body = bodyObject(request.body);
      return { projectId, run: (context) => createServiceAccountKey(db, context, accountId, body) };
    });
    return reply.code(201).header('cache-control', 'no-store').send(key);
  });
  scope.delete<{ Params: AccountParams }>(`${accounts}/:accountId/keys/:keyId`, async (request, reply) => {
    const { projectId, accountId, keyId } = request.params;
    await handler.withProject(request, reply, () => ({
      projectId,
      run: (context) => revokeServiceAccountKey(db, context, accountId, keyId),
    }));
    return reply.send({ success: true });
  });

  // --- audit ---
  type AuditQuery = { projectId?: string; dataControllerId?: string; page?: string; pageSize?: string };
  scope.get<{ Querystring: AuditQuery }>('/api/audit', async (request, reply) =>
    handler.withCaller(request, reply, () => {
      const page = pageNumber(request.query.page, 1, 1_000_000, 'page');
      const pageSize = pageNumber(request.query.pageSize, 25, 500, 'pageSize');
      return async (caller) => listAudit(db, await auditChainFor(db, caller, request.query), page, pageSize);
    }),
  );
  scope.get<{ Querystring: AuditQuery }>('/api/audit/verify', async (request, reply) =>
    handler.withCaller(request, reply, () => async (caller) => {
      const { chain } = await auditChainFor(db, caller, { dataControllerId: request.query.dataControllerId });
      return verifyChain(db, chain);
    }),
  );
}
