import type { FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../../auth/jwt.js';
import type { AuthService } from '../../auth/service.js';
import { bearerToken } from '../bearer.js';
import { ANONYMOUS_CALLER, callerOfRole, DASHBOARD_CALLER, type OriginCaller } from './caller-origin.js';

/**
 * Who calls one of the auth routes a widget uses (public-surfaces.ts), for the CORS rules:
 * - with an access token (GET /v1/user, POST /v1/signout {"all": true}): its session's default
 *   role and claims; a token that does not verify is left to the route to refuse (401);
 * - with a refresh token (POST /v1/token, POST /v1/signout {"refreshToken"}): an account's session,
 *   which is what every refresh token is today;
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
  if (path === '/v1/token' || path === '/v1/signout') return DASHBOARD_CALLER;
  return ANONYMOUS_CALLER;
}
