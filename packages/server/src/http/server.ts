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
import { accountMailRoutes } from './account-mail-routes.js';
import { authErrorReply, INTERNAL_ERROR_REPLY } from './auth-errors.js';
import { authRoutes } from './auth-routes.js';
import { authRouteOriginCheck } from './cors/auth-route-origin.js';
import { registerCrossOrigin } from './cors/cross-origin.js';
import type { ServerDependencies } from './dependencies.js';
import { graphqlRoutes } from './graphql-routes.js';
import { RequestInputError, zodValidatorCompiler } from './input-validation.js';
import { invitationRoutes } from './invitation-routes.js';
import { checkRequestParameters, installJsonBodyParser } from './json-body.js';
import { passwordlessRoutes } from './passwordless-routes.js';
import { restRoutes } from './rest-routes.js';
import { setSecurityHeaders } from './security-headers.js';
import { bodyRefusalMessage, surfaceRefusal } from './surface-refusal.js';
import { systemRoutes } from './system-routes.js';
import { vaultRoutes } from './vault-routes.js';
import { verifyRoutes } from './verify-routes.js';

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
    // A URL that does not decode (%FF, a lone surrogate) or a path parameter over its length, in
    // the shape of the API the URL belongs to rather than Fastify's own.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status = tooLong ? 414 : 400;
      const message = tooLong
        ? 'A part of the URL is longer than the server allows'
        : 'The URL is not valid: a percent-encoded part of it is not UTF-8';
      (reply as FastifyReply).code(status).send(surfaceRefusal(request.url, status, message, 'invalid-url'));
    },
    // Path parameters carry secret names of up to 256 characters (the default allows 100).
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
  });

  // Node drops the headers of a request past its 2 000th raw line without a word, and a request
  // would lose its Authorization header and be served as anonymous. The header block is bounded
  // in bytes (16 KiB, Node's maxHeaderSize) all the same; a larger one is refused with 431.
  server.server.maxHeadersCount = 0;

  // Once shutdown begins, every response closes its connection: otherwise a client's keep-alive
  // socket would hold the drain open until it times out, long after the last request finished.
  let draining = false;
  server.addHook('preClose', async () => {
    draining = true;
  });
  // Security headers on every response (security-headers.ts), and no caching of anything under
  // /v1 (tokens, sessions) or /api (tenant data, secrets).
  // A callback hook: it runs on every response, and an async one costs a promise per request.
  server.addHook('onSend', (request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    setSecurityHeaders(request, reply);
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
      return reply.code(status).send({
        status,
        error: 'invalid-request',
        message: bodyRefusalMessage(error, 'The request payload is incorrect'),
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(INTERNAL_ERROR_REPLY.status).send(INTERNAL_ERROR_REPLY.body);
  });
  server.setNotFoundHandler((request, reply) => {
    const message = `Route ${request.method} ${request.url.split('?')[0]} not found`;
    reply.code(404).send(surfaceRefusal(request.url, 404, message, 'not-found'));
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
  // CORS for every route, before the surfaces (their hooks inherit request.crossOrigin).
  // PAVISE_PUBLIC_URL names the server's own origin as people reach it (behind a proxy that does
  // not pass X-Forwarded-Host, the request alone cannot tell).
  const publicOrigin = deps.config.publicUrl ? [new URL(deps.config.publicUrl).origin] : [];
  registerCrossOrigin(server, {
    corsOrigins: [...deps.config.corsOrigins, ...publicOrigin],
    directory: deps.verifiedOrigins,
  });
  server.addHook('preHandler', authRouteOriginCheck(deps.auth));
  // Each surface is a Fastify plugin given its dependencies: its own scope for hooks, parsers
  // and error envelope, inheriting the server-wide ones it does not replace.
  server.register(systemRoutes, deps);
  server.register(authRoutes, deps);
  server.register(passwordlessRoutes, deps);
  server.register(invitationRoutes, deps);
  server.register(accountMailRoutes, deps);
  server.register(verifyRoutes, deps);
  server.register(graphqlRoutes, deps);
  server.register(restRoutes, deps);
  server.register(vaultRoutes, { vault: deps.vault, auth: deps.auth, limiter: deps.vaultLimiter });
  return server;
}
