import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config/config.js';
import type { GraphQLEngine } from '../graphql/engine.js';
import { type RestEndpoint, RestEndpoints } from '../graphql/rest-endpoints.js';
import { decodeUtf8, UnsafeInputError } from '../input/json.js';
import type { RequestRateLimiter } from '../rate-limit/request-limiter.js';
import { isClientError, sessionOrRefusal } from './graphql-routes.js';
import { bodyRefusalMessage } from './surface-refusal.js';

// Every method Hasura can bind an endpoint to, so that a known endpoint called with one it does
// not allow answers 405 rather than the server's generic 404.
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** /api/rest/<name>: the named operations, with the same authentication as /v1/graphql. */
export async function restRoutes(
  scope: FastifyInstance,
  {
    auth,
    engine,
    config,
    restEndpoints,
    anonymousLimiter,
  }: {
    auth: AuthService;
    engine: GraphQLEngine;
    config: Pick<Config, 'adminSecret' | 'maxJsonDepth'>;
    restEndpoints: readonly RestEndpoint[];
    anonymousLimiter: RequestRateLimiter;
  },
): Promise<void> {
  // Built as the plugin loads, so a bad endpoint list fails the start-up.
  const endpoints = new RestEndpoints(engine, restEndpoints, config.maxJsonDepth);

  // Own body parsing (this plugin is its own scope): Hasura reads the body as JSON whatever the
  // Content-Type says (curl -d sends form encoding) and an empty body as no variables, where the
  // server-wide JSON parser would answer 415 or 400 before the handler runs.
  // Bytes that are not UTF-8 are refused, not decoded into U+FFFD.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeUtf8(body as Buffer));
    } catch (error) {
      done(error as Error);
    }
  });
  // Input refused before the endpoint runs (the body's bytes, a parameter), in Hasura's REST shape.
  scope.setErrorHandler((error, _request, reply) => {
    const [status, message] =
      error instanceof UnsafeInputError
        ? [400, error.message]
        : isClientError(error)
          ? [error.statusCode, bodyRefusalMessage(error)]
          : [];
    if (!status) throw error;
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ path: '$', error: message, code: 'validation-failed' }));
  });

  scope.route({
    method: METHODS,
    url: '/api/rest/*',
    handler: async (request, reply) => {
      reply.type('application/json; charset=utf-8');
      // Answers carry tenant data for the caller's token: no cache may keep them.
      reply.header('cache-control', 'no-store');
      const session = await sessionOrRefusal(request, reply, {
        auth,
        adminSecret: config.adminSecret,
        anonymousLimiter,
      });
      if (!session) return reply;
      const result = await endpoints.run(
        {
          path: (request.params as { '*': string })['*'],
          method: request.method,
          query: request.query as Record<string, string | string[] | undefined>,
          body: typeof request.body === 'string' ? request.body : undefined,
        },
        session,
      );
      return reply.code(result.status).headers(result.headers).send(result.body);
    },
  });
}
