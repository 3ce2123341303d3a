import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { AuthError } from '../auth/errors.js';
import { UnsafeInputError } from '../input/json.js';
import { RateLimitedError } from '../rate-limit/signin-limiter.js';
import { authErrorReply, INTERNAL_ERROR_REPLY } from './auth-errors.js';
import { authRoutes } from './auth-routes.js';
import type { ServerDependencies } from './dependencies.js';
import { graphqlRoutes } from './graphql-routes.js';
import { RequestInputError, zodValidatorCompiler } from './input-validation.js';
import { checkRequestParameters, installJsonBodyParser } from './json-body.js';
import { restRoutes } from './rest-routes.js';
import { systemRoutes } from './system-routes.js';
import { vaultRoutes } from './vault-routes.js';

/** One info line per request, on completion, instead of Fastify's two. */
class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const entry = { req: request, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) request.log.error({ ...entry, err: error }, 'request errored');
    else request.log.info(entry, 'request completed');
  }
}

/** The HTTP wiring: one Fastify instance serving every module's routes on one port. */
export function buildServer(deps: ServerDependencies): FastifyInstance {
  const server = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: deps.config.trustProxy,
    logController: new RequestLog(),
    bodyLimit: 1_048_576,
    // Path parameters carry secret names of up to 256 characters (the default allows 100).
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
  });

  // Once shutdown begins, every response closes its connection: otherwise a client's keep-alive
  // socket would hold the drain open until it times out, long after the last request finished.
  let draining = false;
  server.addHook('preClose', async () => {
    draining = true;
  });
  // Security headers on every response, and no caching of anything under /v1 (tokens, sessions)
  // or /api (tenant data, secrets).
  // A callback hook: it runs on every response, and an async one costs a promise per request.
  server.addHook('onSend', (request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if ((request.url.startsWith('/v1/') || request.url.startsWith('/api/')) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AuthError) {
      const { status, body } = authErrorReply(error);
      return reply.code(status).send(body);
    }
    if (error instanceof UnsafeInputError) {
      const { status, body } = authErrorReply(new AuthError('invalid-request', error.message));
      return reply.code(status).send(body);
    }
    if (error instanceof RequestInputError) {
      const where = error.path.length > 0 ? `${error.path.map(String).join('.')}: ` : '';
      const { status, body } = authErrorReply(
        new AuthError('invalid-request', `The request payload is incorrect: ${where}${error.message}`),
      );
      return reply.code(status).send(body);
    }
    if (error instanceof RateLimitedError) {
      return reply
        .code(429)
        .header('retry-after', String(error.retryAfter))
        .send({ status: 429, error: 'too-many-requests', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own rejections: malformed JSON, wrong content type, body too large.
      return reply.code(status).send({ status, error: 'invalid-request', message: clientMessage(error) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(INTERNAL_ERROR_REPLY.status).send(INTERNAL_ERROR_REPLY.body);
  });
  server.setNotFoundHandler((request, reply) => {
    const message = `Route ${request.method} ${request.url.split('?')[0]} not found`;
    // The vault's clients (XtraSecurity's SDKs) read {"error": "..."}; everything else has the auth service's shape.
    if (request.url.startsWith('/api/') && !request.url.startsWith('/api/rest/'))
      return reply.code(404).send({ error: message });
    reply.code(404).send({ status: 404, error: 'not-found', message });
  });

  // Every body is UTF-8, of bounded depth and free of strings the database cannot store, and so
  // is every query-string and path parameter, before any route reads them (json-body.ts).
  installJsonBodyParser(server, deps.config.maxJsonDepth);
  server.addHook('preValidation', (request, _reply, done) => {
    try {
      checkRequestParameters(request);
    } catch (refusal) {
      return done(refusal as Error);
    }
    done();
  });
  // Every route's input is checked by its zod schemas, before the route runs (input-validation.ts).
  server.setValidatorCompiler(zodValidatorCompiler);
  // Each surface is a Fastify plugin given its dependencies: its own scope for hooks, parsers
  // and error envelope, inheriting the server-wide ones it does not replace.
  server.register(systemRoutes, deps);
  server.register(authRoutes, deps);
  server.register(graphqlRoutes, deps);
  server.register(restRoutes, deps);
  server.register(vaultRoutes, { vault: deps.vault, auth: deps.auth, limiter: deps.vaultLimiter });
  return server;
}

function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'The request body must be JSON (Content-Type: application/json)';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty; send a JSON object';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large';
    default:
      return error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? 'The request body is not valid JSON'
        : 'The request payload is incorrect';
  }
}
