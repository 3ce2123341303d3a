import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import { AuthError } from '../../auth/errors.js';
import { InvalidTokenError } from '../../auth/jwt.js';
import { type AuthService, SUBJECT_ROLE } from '../../auth/service.js';
import { bearerToken } from '../bearer.js';
import {
  ANONYMOUS_CALLER,
  callerOfRole,
  crossOriginRefusal,
  DASHBOARD_CALLER,
  type OriginCaller,
} from './caller-origin.js';
import { isWidgetAuthRoute } from './public-surfaces.js';

/**
 * Who calls one of the auth routes a widget uses (public-surfaces.ts), for the CORS rules:
 * - with an access token (GET /v1/user, POST /v1/signout {"all": true}): its session's default
 *   role and claims; a token that does not verify is left to the route to refuse (401);
 * - with a refresh token (POST /v1/token, POST /v1/signout {"refreshToken"}): the session it
 *   continues, an account's or a data subject's (read without using the token); a token of no
 *   session is left to the route to refuse;
 * - anything else (a passwordless sign-in starting): a visitor.
 */
export async function authRouteCaller(request: FastifyRequest, auth: AuthService): Promise<OriginCaller> {
  const path = request.url.split('?')[0];
  const body = request.body as { all?: unknown; refreshToken?: unknown } | undefined;
  if (path === '/v1/user' || (path === '/v1/signout' && body?.all === true)) {
    const token = bearerToken(request.headers.authorization);
    if (!token) return ANONYMOUS_CALLER;
    try {
      const verified = await auth.authenticate(token);
      return callerOfRole(verified.defaultRole, verified.sessionVariables);
    } catch (error) {
      if (error instanceof InvalidTokenError) return ANONYMOUS_CALLER;
      throw error;
    }
  }
  if ((path === '/v1/token' || path === '/v1/signout') && typeof body?.refreshToken === 'string') {
    const holder = await auth.refreshTokenHolder(body.refreshToken);
    if (!holder) return ANONYMOUS_CALLER;
    return holder.kind === 'subject' ? callerOfRole(SUBJECT_ROLE, holder.claims) : DASHBOARD_CALLER;
  }
  return ANONYMOUS_CALLER;
}

/**
 * The check of the widget's auth routes (docs/contracts.md §1.1), as a server-wide preHandler:
 * they live in more than one plugin (auth-routes.ts, passwordless-routes.ts). It runs once the
 * body is read, before the route; a refusal is 403 forbidden-origin in Nhost's shape. Without
 * Origin, from a trusted origin, or on any other route, it costs one test.
 */
export function authRouteOriginCheck(auth: AuthService): preHandlerHookHandler {
  return (request, _reply, done) => {
    const from = request.crossOrigin;
    if (from === null || from.trusted || !isWidgetAuthRoute(request.url)) return done();
    authRouteCaller(request, auth).then((caller) => {
      const refusal = crossOriginRefusal(from, caller);
      done(refusal ? new AuthError('forbidden-origin', refusal) : undefined);
    }, done);
  };
}
