import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config/config.js';
import type { GraphQLEngine } from '../graphql/engine.js';
import { type RestEndpoint, RestEndpoints } from '../graphql/rest-endpoints.js';
import { sessionOrRefusal } from './graphql-routes.js';

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
  }: {
    auth: AuthService;
    engine: GraphQLEngine;
    config: Pick<Config, 'adminSecret'>;
    restEndpoints: readonly RestEndpoint[];
  },
): Promise<void> {
  // Built as the plugin loads, so a bad endpoint list fails the start-up.
  const endpoints = new RestEndpoints(engine, restEndpoints);

  // Own body parsing (this plugin is its own scope): Hasura reads the body as JSON whatever the
  // Content-Type says (curl -d sends form encoding) and an empty body as no variables, where the
  // server-wide JSON parser would answer 415 or 400 before the handler runs.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  scope.route({
    method: METHODS,
    url: '/api/rest/*',
    handler: async (request, reply) => {
      reply.type('application/json; charset=utf-8');
      // Answers carry tenant data for the caller's token: no cache may keep them.
      reply.header('cache-control', 'no-store');
      const session = await sessionOrRefusal(request, reply, auth, config.adminSecret);
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
