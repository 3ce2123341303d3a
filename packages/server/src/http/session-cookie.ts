import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../auth/errors.js';
import type { Session } from '../auth/service.js';
import { isWellFormedToken } from '../auth/tokens.js';
import type { Config } from '../config/config.js';
import { normaliseOrigin } from '../input/origin.js';
import { isCredentialRefusal } from './auth-errors.js';
import { ownOrigin } from './cors/cross-origin.js';

/**
 * Browser sessions in cookie mode (docs/contracts.md §3.11): for a page the server itself serves
 * (the console), the refresh token lives in an HttpOnly, SameSite=Strict cookie no script can
 * read, and the answers carry the rest of the session. A request opts in with
 * `X-Pavise-Session: cookie`; without it, nothing here applies and the routes answer as Nhost's.
 *
 * The cookie is read and written by hand rather than with @fastify/cookie: there is one cookie,
 * of a known name and a value of base62 characters only (no encoding, no signing), and the
 * plugin would parse the Cookie header of every request in a hook of its own.
 */

export const SESSION_MODE_HEADER = 'x-pavise-session';
export const REFRESH_COOKIE = 'pavise_refresh';
/** Sent to the auth routes only (and the rest of /v1, which ignores it): never to /api or pages. */
const COOKIE_PATH = '/v1';

/** A session as cookie mode answers it: the refresh token is in the cookie, not the body. */
export type CookieSession = Omit<Session, 'refreshToken'>;

export class SessionCookies {
  private readonly publicOrigin: string | undefined;
  private readonly maxAge: number;

  constructor(config: Pick<Config, 'publicUrl' | 'refreshTokenExpiresIn'>) {
    this.publicOrigin = config.publicUrl ? new URL(config.publicUrl).origin : undefined;
    this.maxAge = config.refreshTokenExpiresIn;
  }

  /**
   * Whether `request` asks for cookie mode. Such a request must come from the server's own origin
   * (its Origin header, when it has one, is PAVISE_PUBLIC_URL's or the request's own scheme and
   * host): 403 forbidden-origin otherwise. Any value of the header but "cookie" is a 400.
   */
  requested(request: FastifyRequest): boolean {
    const mode = request.headers[SESSION_MODE_HEADER];
    if (mode === undefined) return false;
    if (typeof mode !== 'string' || mode.trim().toLowerCase() !== 'cookie')
      throw new AuthError('invalid-request', 'The X-Pavise-Session header accepts only "cookie"');
    const header = request.headers.origin;
    if (header !== undefined) {
      const origin = normaliseOrigin(header);
      if (origin === undefined || (origin !== this.publicOrigin && origin !== ownOrigin(request)))
        throw new AuthError(
          'forbidden-origin',
          `Cookie sessions may be used only from the server's own origin, not from ${origin ?? 'an opaque or malformed origin'}`,
        );
    }
    return true;
  }

  /**
   * The refresh token of a cookie-mode request: its cookie's, when it holds a well-formed one. A
   * refresh token in the body as well is a 400: one way per request.
   */
  refreshToken(request: FastifyRequest, inBody: string | undefined): string | undefined {
    if (inBody !== undefined)
      throw new AuthError(
        'invalid-request',
        'The request payload is incorrect: with "X-Pavise-Session: cookie" the refresh token is the cookie\'s, not "refreshToken"',
      );
    const token = cookieValue(request.headers.cookie, REFRESH_COOKIE);
    return token !== undefined && isWellFormedToken(token, 'rt') ? token : undefined;
  }

  /**
   * POST /v1/token in cookie mode: `refresh` rotates the cookie's token (behind the rate limits),
   * and the answer sets the successor. No cookie, or a refused one (any 401), is 401 and the
   * cookie is cleared; a missing or malformed cookie is not a credential, and is not counted.
   */
  async refresh(
    request: FastifyRequest,
    reply: FastifyReply,
    inBody: string | undefined,
    refresh: (token: string) => Promise<Session>,
  ): Promise<CookieSession> {
    const token = this.refreshToken(request, inBody);
    if (token === undefined) {
      this.clear(request, reply);
      throw new AuthError('invalid-refresh-token');
    }
    let session: Session;
    try {
      session = await refresh(token);
    } catch (error) {
      if (isCredentialRefusal(error)) this.clear(request, reply);
      throw error;
    }
    return this.answer(request, reply, true, session);
  }

  /** The session as the answer carries it: in cookie mode, its refresh token goes to the cookie. */
  answer(request: FastifyRequest, reply: FastifyReply, cookieMode: boolean, session: Session): Session | CookieSession {
    if (!cookieMode) return session;
    const { refreshToken, ...rest } = session;
    this.set(request, reply, refreshToken, this.maxAge);
    return rest;
  }

  /** Tells the browser to drop the cookie. */
  clear(request: FastifyRequest, reply: FastifyReply): void {
    this.set(request, reply, '', 0);
  }

  private set(request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${REFRESH_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=${COOKIE_PATH}; Max-Age=${maxAge}${secure}`,
    );
  }
}

/**
 * The value of the first cookie named `name` in a Cookie header (RFC 6265 §5.4: a browser sends
 * the one of the longest path first), quotes removed; undefined when there is none.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}
