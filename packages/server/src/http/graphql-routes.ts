import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenError, type VerifiedToken } from '../auth/jwt.js';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config/config.js';
import type { GraphQLEngine, Session } from '../graphql/engine.js';
import { EngineError, errorResponse } from '../graphql/errors.js';
import { ADMIN_ROLE } from '../graphql/model.js';
import { UnsafeInputError } from '../input/json.js';
import { RequestRateLimitedError, type RequestRateLimiter } from '../rate-limit/request-limiter.js';
import { bearerToken } from './bearer.js';
import { callerOfRole, crossOriginRefusal, DASHBOARD_CALLER, type OriginCaller } from './cors/caller-origin.js';
import { GraphQLRequestTooLarge, graphqlBody, hasuraPath } from './graphql-body.js';
import { RequestInputError, withZod } from './input-validation.js';
import { bodyRefusalMessage } from './surface-refusal.js';

/**
 * A request whose credentials give no session. Hasura answers request errors with 200; these are
 * the exceptions, and their status is decided here, at the edge (the engine's errors carry none).
 */
class SessionRefusal extends EngineError {
  constructor(
    readonly refusal: 'unauthenticated' | 'forbidden',
    code: string,
    message: string,
  ) {
    super(code, message, '$');
  }
}

const REFUSAL_STATUS = { unauthenticated: 401, forbidden: 403 } as const;

/** The unauthenticated role (Hasura's "unauthorized role"). */
export const ANONYMOUS_ROLE = 'anonymous';

function sameSecret(given: string, expected: string): boolean {
  // Compare digests so the comparison is constant-time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Who is asking, in Hasura's order: the admin secret, else a Bearer JWT, else the anonymous role.
 * Failures are SessionRefusals: 401 for bad credentials, 403 for a refused role (docs/contracts.md §4.2).
 */
export async function resolveSession(
  request: FastifyRequest,
  auth: AuthService,
  adminSecret: string | undefined,
): Promise<Session> {
  const requestedRole = header(request, 'x-hasura-role');
  const adminKey = header(request, 'x-hasura-admin-secret') ?? header(request, 'x-hasura-access-key');
  if (adminKey !== undefined) {
    if (!adminSecret || !sameSecret(adminKey, adminSecret)) {
      throw new SessionRefusal('unauthenticated', 'access-denied', 'invalid x-hasura-admin-secret/x-hasura-access-key');
    }
    // With the admin secret, session variables come from the request's X-Hasura-* headers.
    const variables: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.startsWith('x-hasura-') && name !== 'x-hasura-admin-secret' && typeof value === 'string')
        variables[name] = value;
    }
    const role = requestedRole ?? ADMIN_ROLE;
    return { role, variables: { ...variables, 'x-hasura-role': role } };
  }

  const authorization = header(request, 'authorization');
  if (authorization === undefined) {
    if (requestedRole !== undefined && requestedRole !== ANONYMOUS_ROLE) {
      throw new SessionRefusal(
        'unauthenticated',
        'invalid-headers',
        "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
      );
    }
    return { role: ANONYMOUS_ROLE, variables: { 'x-hasura-role': ANONYMOUS_ROLE } };
  }
  const bearer = bearerToken(authorization);
  if (!bearer) throw new SessionRefusal('unauthenticated', 'invalid-headers', 'Malformed Authorization header');
  let token: VerifiedToken;
  try {
    token = await auth.authenticate(bearer);
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    const message = error.claimsCode === 'invalid-jwt' ? `Could not verify JWT: ${error.reason}` : error.reason;
    throw new SessionRefusal('unauthenticated', error.claimsCode, message);
  }
  const role = requestedRole ?? token.defaultRole;
  if (!token.allowedRoles.includes(role))
    throw new SessionRefusal('forbidden', 'access-denied', 'Your requested role is not in allowed roles');
  return { role, variables: { ...token.sessionVariables, 'x-hasura-role': role } };
}

/** Who calls, for the CORS rules: the admin secret is the dashboard's, whatever role it asks for. */
function originCaller(request: FastifyRequest, session: Session): OriginCaller {
  const adminKey = header(request, 'x-hasura-admin-secret') ?? header(request, 'x-hasura-access-key');
  return adminKey !== undefined ? DASHBOARD_CALLER : callerOfRole(session.role, session.variables);
}

/** What resolving a request's session needs: shared by /v1/graphql and /api/rest. */
export interface SessionDependencies {
  auth: AuthService;
  adminSecret: string | undefined;
  /** Counts the requests of the anonymous role per client IP. */
  anonymousLimiter: RequestRateLimiter;
}

/**
 * The request's session, or undefined after answering the refusal (401/403 in Hasura's
 * envelope, 403 for a session its Origin may not use, or 429 with Retry-After for an anonymous
 * caller over its limit).
 */
export async function sessionOrRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  { auth, adminSecret, anonymousLimiter }: SessionDependencies,
): Promise<Session | undefined> {
  const refuse = (status: number, error: EngineError) => {
    reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorResponse([error])));
    return undefined;
  };
  let session: Session;
  try {
    session = await resolveSession(request, auth, adminSecret);
  } catch (error) {
    if (!(error instanceof SessionRefusal)) throw error;
    return refuse(REFUSAL_STATUS[error.refusal], error);
  }
  // A page on a foreign origin may use only the sessions its origin admits (docs/contracts.md §1.1),
  // refused before anything runs.
  if (request.crossOrigin !== null) {
    const originRefusal = crossOriginRefusal(request.crossOrigin, originCaller(request, session));
    if (originRefusal) return refuse(403, new EngineError('access-denied', originRefusal, '$'));
  }
  if (session.role !== ANONYMOUS_ROLE) return session;
  try {
    await anonymousLimiter.admit(`anonymous:${request.ip}`);
  } catch (error) {
    if (!(error instanceof RequestRateLimitedError)) throw error;
    reply.header('retry-after', String(error.retryAfter));
    return refuse(429, new EngineError('too-many-requests', error.message, '$'));
  }
  return session;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who a /v1/graphql request acts as, resolved before its body is checked. */
    graphqlSession: Session | null;
  }
}

/** A refusal of Fastify's own (the body's media type, size or JSON), with its 4xx status. */
export const isClientError = (error: unknown): error is Error & { statusCode: number; code?: string } => {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
};

/** Hasura's code for a body that is not JSON (invalid-json), or refused otherwise. */
const bodyErrorCode = (error: { code?: string }) =>
  error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'invalid-json' : 'validation-failed';

/** POST /v1/graphql: a request object or a batch (a JSON array of them). */
export async function graphqlRoutes(
  plain: FastifyInstance,
  {
    auth,
    engine,
    config,
    anonymousLimiter,
  }: {
    auth: AuthService;
    engine: GraphQLEngine;
    config: Pick<Config, 'adminSecret' | 'graphqlRequests'>;
    anonymousLimiter: RequestRateLimiter;
  },
): Promise<void> {
  const scope = withZod(plain);
  const sessionDependencies = { auth, adminSecret: config.adminSecret, anonymousLimiter };
  scope.decorateRequest('graphqlSession', null);
  // Hasura authenticates before it reads the body: a bad token is a 401 even with a bad body.
  scope.addHook('preValidation', async (request, reply) => {
    const session = await sessionOrRefusal(request, reply, sessionDependencies);
    if (!session) return reply;
    request.graphqlSession = session;
  });
  // A malformed request is answered like the engine's errors: 200 with Hasura's envelope; one
  // refused for its size or for what it carries, with a 400 in the same envelope.
  scope.setErrorHandler((error, _request, reply) => {
    const [status, failure] =
      error instanceof RequestInputError
        ? [200, new EngineError('parse-failed', error.message, hasuraPath(error.path))]
        : error instanceof GraphQLRequestTooLarge
          ? [400, new EngineError('validation-failed', error.message, hasuraPath(error.path))]
          : error instanceof UnsafeInputError
            ? [400, new EngineError('validation-failed', error.message, error.field ? `$.${error.field}` : '$')]
            : isClientError(error)
              ? [error.statusCode, new EngineError(bodyErrorCode(error), bodyRefusalMessage(error), '$')]
              : [];
    if (!failure) throw error;
    return reply
      .code(status!)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorResponse([failure])));
  });

  const body = graphqlBody(config.graphqlRequests);
  scope.post('/v1/graphql', { schema: { body } }, async (request, reply) => {
    const session = request.graphqlSession!;
    reply.type('application/json; charset=utf-8');
    const body = request.body;
    if (Array.isArray(body)) {
      const results = [];
      for (const item of body) results.push(await engine.execute(item, session));
      return reply.send(`[${results.join(',')}]`);
    }
    return reply.send(await engine.execute(body, session));
  });
}
