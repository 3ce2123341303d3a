import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/service.js';
import type { Allowance, RequestRateLimiter } from '../../rate-limit/request-limiter.js';
import type { Caller, Credential, ProjectContext } from '../../vault/access.js';
import { MAIN_BRANCH } from '../../vault/names.js';
import type { Vault } from '../../vault/vault.js';
import { presentedCredential } from './credentials.js';

/**
 * Where a vault route names its project: `projectId` of its path parameters, query string or
 * body, as validated by the route's schema. A route that names none acts for the caller only
 * (listing, creating projects); so does a request that leaves an optional projectId out.
 */
export type ProjectIn = 'params' | 'query' | 'body';

declare module 'fastify' {
  interface FastifyContextConfig {
    project?: ProjectIn;
  }
  interface FastifyRequest {
    vault: VaultRequest;
  }
}

/** What the hooks resolved for a vault request before its route runs. */
export interface VaultRequest {
  credential: Credential | undefined;
  /** The request counted against its caller's rate limit: settled before any answer. */
  admission: Promise<Allowance | undefined> | undefined;
  caller: Caller | undefined;
  /** The project (and branch) the route names, loaded with the caller in one round trip. */
  project: ProjectContext | undefined;
}

export interface VaultRouteDependencies {
  vault: Vault;
  auth: AuthService;
  limiter: RequestRateLimiter;
}

/**
 * Resolves the caller and the project of every vault request once, in hooks, so that a route is
 * one straight read: validated input → domain operation → reply.
 * - onRequest (before the body is read): the credential, from the headers (a JWT is verified
 *   here; PATs and keys are checked by the first query), and the rate-limit count starts;
 * - preHandler (after the route's schemas accepted the input): the project or the caller is
 *   loaded while the count finishes — side by side, since loading only reads.
 * The count is settled before any answer, so even a 400 carries the X-RateLimit-* headers.
 */
export function installVaultRequestContext(scope: FastifyInstance, deps: VaultRouteDependencies): void {
  scope.decorateRequest('vault', null as unknown as VaultRequest);

  scope.addHook('onRequest', async (request) => {
    request.vault = { credential: undefined, admission: undefined, caller: undefined, project: undefined };
    const presented = await presentedCredential(request, deps.auth);
    request.vault.credential = presented.credential;
    request.vault.admission = deps.limiter.admit(presented.bucket);
    // Awaited by preHandler or by the error handler; never left unobserved.
    request.vault.admission.catch(() => {});
  });

  scope.addHook('preHandler', async (request, reply) => {
    const state = request.vault;
    const where = request.routeOptions.config.project;
    const projectId = where ? (request[where] as { projectId?: unknown } | undefined)?.projectId : undefined;
    const load =
      projectId === undefined
        ? deps.vault.caller(state.credential!).then((caller) => {
            state.caller = caller;
          })
        : deps.vault.context(state.credential!, projectId, namedBranch(request)).then((project) => {
            state.project = project;
            state.caller = project.caller;
          });
    const [admitted, loaded] = await Promise.allSettled([settleAdmission(request, reply), load]);
    if (admitted.status === 'rejected') throw admitted.reason;
    if (loaded.status === 'rejected') throw loaded.reason;
  });
}

/** The branch a request names: in its body, else its query string; main when neither does. */
function namedBranch(request: FastifyRequest): string {
  const inBody = (request.body as { branch?: string } | undefined)?.branch;
  const inQuery = (request.query as { branch?: string } | undefined)?.branch;
  return inBody ?? inQuery ?? MAIN_BRANCH;
}

/**
 * Waits for the request's rate-limit count and puts its headers on the reply; throws the refusal
 * when over the limit. Once settled it is forgotten, so a second call does nothing.
 */
export async function settleAdmission(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const admission = request.vault?.admission;
  if (!admission) return;
  request.vault.admission = undefined;
  let allowance: Allowance | undefined;
  try {
    allowance = await admission;
  } catch (error) {
    allowance = (error as { allowance?: Allowance }).allowance;
    throw error;
  } finally {
    if (allowance) {
      reply.header('x-ratelimit-limit', String(allowance.limit));
      reply.header('x-ratelimit-remaining', String(allowance.remaining));
      reply.header('x-ratelimit-reset', String(allowance.resetAt));
    }
  }
}

/** The caller of a vault request (resolved by the preHandler hook). */
export const callerOf = (request: FastifyRequest): Caller => request.vault.caller!;

/** The project of a vault route that names one (loaded by the preHandler hook). */
export const projectOf = (request: FastifyRequest): ProjectContext => request.vault.project!;
