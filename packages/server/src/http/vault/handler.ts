import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/service.js';
import { UnknownMasterKeyError } from '../../crypto/key-provider.js';
import type { Caller, Credential, ProjectContext } from '../../vault/access.js';
import { VaultError, type VaultErrorKind } from '../../vault/errors.js';
import type { Vault } from '../../vault/vault.js';
import { presentedCredential } from './credentials.js';
import { VaultRateLimitedError, type VaultRateLimiter } from './rate-limit.js';

export interface ProjectRequest<T> {
  projectId: unknown;
  /** The branch to resolve with the project (main when omitted). */
  branch?: string;
  run: (context: ProjectContext) => Promise<T>;
}

export interface VaultRouteDependencies {
  vault: Vault;
  auth: AuthService;
  limiter: VaultRateLimiter;
}

/**
 * The steps every vault route shares: authenticate, count against the rate limit and load what
 * the request needs — the last two side by side, since loading only reads — then run it.
 */
export class VaultHandler {
  constructor(private readonly deps: VaultRouteDependencies) {}

  get vault(): Vault {
    return this.deps.vault;
  }

  /**
   * Authenticates, then counts the request against the rate limit while it loads what it needs
   * (`load` must only read). Input is validated inside `load`, so even a 400 carries the
   * X-RateLimit-* headers.
   */
  async withLoaded<L, T>(
    request: FastifyRequest,
    reply: FastifyReply,
    load: (credential: Credential) => Promise<L>,
    work: (loaded: L) => Promise<T>,
  ): Promise<T> {
    const presented = await presentedCredential(request, this.deps.auth);
    const [admitted, loaded] = await Promise.allSettled([
      this.deps.limiter.admit(presented.bucket, reply),
      load(presented.credential),
    ]);
    if (admitted.status === 'rejected') throw admitted.reason;
    if (loaded.status === 'rejected') throw loaded.reason;
    return work(loaded.value);
  }

  /** A request on one project: `prepare` validates the input and names the project and branch. */
  withProject<T>(request: FastifyRequest, reply: FastifyReply, prepare: () => ProjectRequest<T>): Promise<T> {
    return this.withLoaded(
      request,
      reply,
      async (credential) => {
        const prepared = prepare();
        return { prepared, context: await this.deps.vault.context(credential, prepared.projectId, prepared.branch) };
      },
      ({ prepared, context }) => prepared.run(context),
    );
  }

  /** A request that names no project: `prepare` validates the input. */
  withCaller<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    prepare: () => (caller: Caller) => Promise<T>,
  ): Promise<T> {
    return this.withLoaded(
      request,
      reply,
      async (credential) => {
        const run = prepare();
        return { run, caller: await this.deps.vault.caller(credential) };
      },
      ({ run, caller }) => run(caller),
    );
  }
}

const STATUS: Record<VaultErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
};

/** Every vault answer that is not a success is `{"error": "..."}` with a precise status. */
export function installVaultErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    if (error instanceof VaultError) {
      return reply
        .code(STATUS[error.kind])
        .send(error.conflicts ? { error: error.message, conflicts: error.conflicts } : { error: error.message });
    }
    if (error instanceof VaultRateLimitedError) {
      return reply
        .code(429)
        .header('retry-after', String(error.retryAfter))
        .send({ error: error.message, retryAfter: error.retryAfter });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'The request body is not valid JSON'
          : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'The request body is too large'
            : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? 'The request body must be JSON (Content-Type: application/json)'
              : 'The request is malformed';
      return reply.code(status).send({ error: message });
    }
    if (error instanceof UnknownMasterKeyError) {
      request.log.error({ masterKeyId: error.keyId }, error.message);
      return reply.code(500).send({
        error:
          'The server cannot decrypt this project: its master key configuration is incomplete (see the server log)',
      });
    }
    request.log.error({ err: error }, 'vault request failed');
    return reply.code(500).send({ error: 'Internal Server Error' });
  });
}
