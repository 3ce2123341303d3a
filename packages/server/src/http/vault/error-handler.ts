import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnknownMasterKeyError } from '../../crypto/key-provider.js';
import { UnsafeInputError } from '../../input/json.js';
import { RequestRateLimitedError } from '../../rate-limit/request-limiter.js';
import { VaultError, type VaultErrorKind } from '../../vault/errors.js';
import { RequestInputError } from '../input-validation.js';
import { bodyRefusalMessage } from '../surface-refusal.js';
import { settleAdmission } from './request-context.js';

const STATUS: Record<VaultErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
};

/**
 * Every vault answer that is not a success is `{"error": "..."}` with a precise status. The
 * request's rate-limit count is settled first: over the limit, the answer is the 429, whatever
 * else was wrong; otherwise the answer carries the X-RateLimit-* headers like any other.
 */
export function installVaultErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler(async (error: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await settleAdmission(request, reply);
    } catch (refusal) {
      return answer(refusal as FastifyError, request, reply);
    }
    return answer(error, request, reply);
  });
}

function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof VaultError) {
    return reply
      .code(STATUS[error.kind])
      .send(error.conflicts ? { error: error.message, conflicts: error.conflicts } : { error: error.message });
  }
  if (error instanceof RequestInputError || error instanceof UnsafeInputError)
    return reply.code(400).send({ error: error.message });
  if (error instanceof RequestRateLimitedError) {
    return reply
      .code(429)
      .header('retry-after', String(error.retryAfter))
      .send({ error: error.message, retryAfter: error.retryAfter });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return reply.code(status).send({ error: bodyRefusalMessage(error) });
  if (error instanceof UnknownMasterKeyError) {
    request.log.error({ masterKeyId: error.keyId }, error.message);
    return reply.code(500).send({
      error: 'The server cannot decrypt this project: its master key configuration is incomplete (see the server log)',
    });
  }
  request.log.error({ err: error }, 'vault request failed');
  return reply.code(500).send({ error: 'Internal Server Error' });
}
