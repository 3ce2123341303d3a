import { activeUserByIdOrPatSql } from '../auth/callers.js';
import type { Queryable } from '../db/database.js';
import { awaitingTwoFactorSql, memberRoleSql, TWO_FACTOR_REQUIRED } from '../privacy/membership.js';
import type { WrappedDataKey } from './crypto/data-keys.js';
import { forbidden, notFound, VaultError } from './errors.js';
import { idOrUndefined, MAIN_BRANCH } from './names.js';
import { type Capability, type ProjectRole, projectRole, roleAllows } from './roles.js';

/**
 * How a request proved who it is, after the cheap checks: a JWT is verified before it gets here
 * (no database needed); PATs and service-account keys are looked up as part of the first query.
 */
export type Credential =
  | { kind: 'user'; userId: string }
  | { kind: 'pat'; tokenHash: string }
  | { kind: 'service-account-key'; keyHash: string };

export interface Caller {
  /** What the audit trail records: `user:<id>` or `service-account:<id>`. */
  actor: string;
  userId: string | undefined;
  serviceAccount: { id: string; projectId: string; permissions: string[] } | undefined;
}

export interface ProjectRow {
  id: string;
  name: string;
  description: string;
  owner_user_id: string | null;
  data_controller_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface BranchRef {
  id: string;
  name: string;
  baseEnv: string | null;
}

/** Everything a request on one project needs, from one query. */
export interface ProjectContext {
  /** When the request was authenticated (epoch ms, the vault's clock): the time its decisions use. */
  now: number;
  caller: Caller;
  project: ProjectRow;
  role: ProjectRole;
  /** The audit chain of the project's workspace. */
  chain: string;
  dataKey: WrappedDataKey;
  main: BranchRef;
  /** The branch the request named, when it exists (main when it named none). */
  branch: BranchRef | undefined;
}

export const unauthorized = () =>
  new VaultError(
    'unauthorized',
    'The token is invalid, expired or revoked: send a valid personal access token, access token or service-account key',
  );

const PROJECT_COLUMNS = `p.id, p.name, p.description, p.owner_user_id, p.data_controller_id, p.created_at, p.updated_at,
  k.wrapped_key, k.master_key_id, main.id AS main_branch_id, b.id AS branch_id, b.name AS branch_name, b.base_env AS branch_base_env`;
const projectJoins = (branchParameter: string) => `LEFT JOIN vault.data_keys k ON k.project_id = p.id
  LEFT JOIN vault.branches main ON main.project_id = p.id AND main.name = 'main'
  LEFT JOIN vault.branches b ON b.project_id = p.id AND b.name = ${branchParameter}::text`;

// A user by id (from a verified JWT) or by PAT digest, the PAT live at $5 (epoch ms), as auth
// decides it; the project only if the user owns it or is a member of its organisation, as the
// privacy domain records it. Both answers come as SQL from their domain (architecture §2), so the
// whole lookup stays one statement.
const USER_CONTEXT_SQL = `WITH caller AS (
  ${activeUserByIdOrPatSql({ userId: '$2', patHash: '$3', now: '$5' })}
)
SELECT c.id AS caller_id, CASE WHEN p.owner_user_id = c.id THEN 'owner' ELSE m.role END AS member_role, ${PROJECT_COLUMNS}
FROM caller c
LEFT JOIN vault.projects asked ON asked.id = $1::uuid
LEFT JOIN LATERAL (${memberRoleSql({ controllerId: 'asked.data_controller_id', userId: 'c.id' })}) m ON true
LEFT JOIN vault.projects p ON p.id = asked.id AND (p.owner_user_id = c.id OR m.role IS NOT NULL)
${projectJoins('$4')}
LIMIT 1`;

// The key live at $4 (epoch ms).
const SERVICE_ACCOUNT_CONTEXT_SQL = `WITH caller AS (
  SELECT a.id, a.project_id, a.permissions FROM vault.service_account_keys k JOIN vault.service_accounts a ON a.id = k.service_account_id
  WHERE k.key_hash = $2::text AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > to_timestamp($4::float8 / 1000))
)
SELECT c.id AS caller_id, c.project_id AS caller_project_id, c.permissions, ${PROJECT_COLUMNS}
FROM caller c
LEFT JOIN vault.projects p ON p.id = $1::uuid AND p.id = c.project_id
${projectJoins('$3')}
LIMIT 1`;

interface ContextRow extends ProjectRow {
  caller_id: string;
  member_role?: string | null;
  caller_project_id?: string;
  permissions?: string[];
  wrapped_key: Buffer | null;
  master_key_id: string | null;
  main_branch_id: string | null;
  branch_id: string | null;
  branch_name: string | null;
  branch_base_env: string | null;
}

const NO_PROJECT = '00000000-0000-0000-0000-000000000000';

function queryContext(
  db: Queryable,
  credential: Credential,
  projectId: string,
  branch: string,
  now: number,
): Promise<ContextRow[]> {
  return credential.kind === 'service-account-key'
    ? db.query<ContextRow>(SERVICE_ACCOUNT_CONTEXT_SQL, [projectId, credential.keyHash, branch, now], {
        name: 'vault.context-sa',
      })
    : db.query<ContextRow>(
        USER_CONTEXT_SQL,
        [
          projectId,
          credential.kind === 'user' ? credential.userId : null,
          credential.kind === 'pat' ? credential.tokenHash : null,
          branch,
          now,
        ],
        { name: 'vault.context-user' },
      );
}

/**
 * Authenticates the credential at `now` (epoch ms) and loads the project it asks for, in one
 * round trip. A project the caller may not see is reported exactly like one that does not exist.
 */
export async function loadProjectContext(
  db: Queryable,
  credential: Credential,
  rawProjectId: unknown,
  branch: string,
  now: number,
): Promise<ProjectContext> {
  const projectId = idOrUndefined(rawProjectId) ?? NO_PROJECT;
  const row = (await queryContext(db, credential, projectId, branch, now))[0];
  if (!row) throw unauthorized();
  const caller = callerOf(row);
  if (row.id === null || row.wrapped_key === null || row.main_branch_id === null) {
    if (caller.serviceAccount && caller.serviceAccount.projectId !== projectId) {
      throw forbidden('This service-account key is locked to another project');
    }
    if (caller.userId) await refuseIfAwaitingTwoFactor(db, { projectId }, caller.userId);
    throw notFound(`Project ${String(rawProjectId).slice(0, 64)} not found`);
  }
  return {
    now,
    caller,
    project: row,
    role: caller.serviceAccount ? 'service-account' : projectRole(row.member_role ?? ''),
    chain: workspaceChain(row),
    dataKey: { wrapped: Buffer.from(row.wrapped_key), masterKeyId: row.master_key_id! },
    main: { id: row.main_branch_id, name: MAIN_BRANCH, baseEnv: null },
    branch:
      row.branch_id === null ? undefined : { id: row.branch_id, name: row.branch_name!, baseEnv: row.branch_base_env },
  };
}

/**
 * On the way to a "not found": when the user is a member of the organisation (of the project)
 * that the two-factor rule does not count, 403 saying so instead (docs/contracts.md §6.2, §7.4).
 * Service accounts are not members and are never refused for it.
 */
export async function refuseIfAwaitingTwoFactor(
  db: Queryable,
  target: { projectId: string } | { controllerId: string },
  userId: string,
): Promise<void> {
  const [row] =
    'projectId' in target
      ? await db.query<{ awaiting: boolean }>(
          `SELECT ${awaitingTwoFactorSql({ controllerId: 'p.data_controller_id', userId: '$2::uuid' })} AS awaiting
           FROM vault.projects p WHERE p.id = $1::uuid AND p.data_controller_id IS NOT NULL`,
          [target.projectId, userId],
        )
      : await db.query<{ awaiting: boolean }>(
          `SELECT ${awaitingTwoFactorSql({ controllerId: '$1::uuid', userId: '$2::uuid' })} AS awaiting`,
          [target.controllerId, userId],
        );
  if (row?.awaiting) throw forbidden(TWO_FACTOR_REQUIRED);
}

/** Authenticates a credential at `now` (epoch ms) for the operations that name no project (listing, creating). */
export async function resolveCaller(db: Queryable, credential: Credential, now: number): Promise<Caller> {
  const row = (await queryContext(db, credential, NO_PROJECT, MAIN_BRANCH, now))[0];
  if (!row) throw unauthorized();
  return callerOf(row);
}

function callerOf(row: ContextRow): Caller {
  if (row.caller_project_id !== undefined) {
    return {
      actor: `service-account:${row.caller_id}`,
      userId: undefined,
      serviceAccount: { id: row.caller_id, projectId: row.caller_project_id, permissions: row.permissions ?? [] },
    };
  }
  return { actor: `user:${row.caller_id}`, userId: row.caller_id, serviceAccount: undefined };
}

export function workspaceChain(project: Pick<ProjectRow, 'owner_user_id' | 'data_controller_id'>): string {
  return project.data_controller_id ? `org:${project.data_controller_id}` : `user:${project.owner_user_id}`;
}

export function requireCapability(context: ProjectContext, capability: Capability): void {
  const permissions = context.caller.serviceAccount?.permissions ?? [];
  if (roleAllows(context.role, capability, permissions)) return;
  const what =
    capability === 'read'
      ? 'read secrets'
      : capability === 'write'
        ? 'change secrets or branches'
        : 'administer the project';
  if (context.role === 'service-account') {
    throw forbidden(`This service account may not ${what}: its permissions are ${permissions.join(', ') || 'none'}`);
  }
  throw forbidden(
    `Your role in this project (${context.role}) may not ${what}; ask an owner or admin of the organisation`,
  );
}

/** The branch the request named, or 404; a branch tied to one environment exists only there. */
export function requireBranch(context: ProjectContext, name: string, environment?: string): BranchRef {
  const branch = context.branch;
  if (!branch || branch.name !== name) throw notFound(`Branch '${name}' not found in project ${context.project.id}`);
  if (environment !== undefined && branch.baseEnv !== null && branch.baseEnv !== environment) {
    throw notFound(`Branch '${name}' belongs to environment '${branch.baseEnv}', not '${environment}'`);
  }
  return branch;
}
