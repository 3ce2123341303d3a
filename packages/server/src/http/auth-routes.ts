import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import type { VerifiedToken } from '../auth/jwt.js';
import { jsonLengthExceeds } from '../input/json.js';
import { isCredentialRefusal } from './auth-errors.js';
import { bearerToken } from './bearer.js';
import type { ServerDependencies } from './dependencies.js';
import { RequestInputError, withZod } from './input-validation.js';
import { redirectToOption } from './mail-requests.js';
import { SessionCookies } from './session-cookie.js';

/** The Nhost-compatible auth routes (docs/contracts.md §3). */

/** Metadata a user or a PAT carries: free-form JSON, but a few kilobytes of it, not a megabyte. */
const METADATA_MAX_CHARACTERS = 16_384;
const metadata = z
  .record(z.string(), z.unknown())
  .refine((value) => !jsonLengthExceeds(value, METADATA_MAX_CHARACTERS), {
    error: `metadata may hold at most ${METADATA_MAX_CHARACTERS} characters as JSON`,
  });
const bodies = {
  signInPat: z.strictObject({ personalAccessToken: z.string().min(1) }),
  signInPassword: z.strictObject({ email: z.string().min(1), password: z.string().min(1) }),
  signUp: z.strictObject({
    email: z.string().min(1),
    password: z.string().min(1),
    // Nhost accepts more options (roles); those without meaning here are ignored. redirectTo is
    // where the verification mail's link leads.
    options: z
      .looseObject({
        redirectTo: redirectToOption,
        displayName: z.string().max(256).optional(),
        locale: z.string().min(2).max(10).optional(),
        metadata: metadata.optional(),
      })
      .optional(),
  }),
  refresh: z.strictObject({ refreshToken: z.string().min(1) }),
  // In cookie mode (§3.11) the refresh token is the cookie's; without it, `refresh` applies.
  refreshOrCookie: z.strictObject({ refreshToken: z.string().min(1).optional() }),
  signOut: z.strictObject({ refreshToken: z.string().min(1).optional(), all: z.boolean().optional() }),
  createPat: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }), metadata: metadata.optional() }),
  signInTotp: z.strictObject({ ticket: z.string().min(1).max(256), otp: z.string().max(64) }),
  // With an access token, or (Nhost's reset form) with the ticket of a password-reset link instead.
  changePassword: z.strictObject({ newPassword: z.string().min(1), ticket: z.string().min(1).max(256).optional() }),
  // Nhost's body: "totp" turns TOTP on; null, "" or no activeMfaType turns it off.
  userMfa: z.strictObject({ code: z.string().max(64), activeMfaType: z.enum(['totp', '']).nullish() }),
};

/** A route's body schema: an absent body is checked as `{}`, so it names the missing fields. */
const body = <T extends z.ZodType>(schema: T) => ({ schema: { body: z.preprocess((raw) => raw ?? {}, schema) } });

function accessToken(request: FastifyRequest): string {
  const token = bearerToken(request.headers.authorization);
  if (!token)
    throw new AuthError(
      'unauthorized',
      'Missing or malformed Authorization header: send "Authorization: Bearer <access token>"',
    );
  return token;
}

const OK = JSON.stringify('OK');
const sendOk = (reply: FastifyReply) => reply.type('application/json; charset=utf-8').send(OK);

export async function authRoutes(
  server: FastifyInstance,
  {
    auth,
    signInLimiter,
    redirects,
    config,
  }: Pick<ServerDependencies, 'auth' | 'signInLimiter' | 'redirects' | 'config'>,
): Promise<void> {
  const scope = withZod(server);
  const cookies = new SessionCookies(config);
  /** Access token → the caller's (still existing, enabled) account. */
  const caller = async (request: FastifyRequest): Promise<VerifiedToken> => {
    const token = await auth.authenticate(accessToken(request));
    await auth.activeUser(token.userId);
    return token;
  };

  /** Runs a sign-in behind the rate limits; a refused credential counts as a failure of the client IP. */
  const guarded = async <T>(request: FastifyRequest, credential: string, attempt: () => Promise<T>): Promise<T> => {
    await signInLimiter.admit(request.ip, credential);
    try {
      return await attempt();
    } catch (error) {
      if (isCredentialRefusal(error)) await signInLimiter.recordFailure(request.ip);
      throw error;
    }
  };

  scope.post('/v1/signin/pat', body(bodies.signInPat), async (request) => {
    const { personalAccessToken } = request.body;
    const session = await guarded(request, `pat:${personalAccessToken}`, () => auth.signInWithPat(personalAccessToken));
    return { session };
  });

  // {"session", "mfa": null}, or for an account with TOTP {"session": null, "mfa": {"ticket"}}.
  scope.post('/v1/signin/email-password', body(bodies.signInPassword), async (request, reply) => {
    const cookieMode = cookies.requested(request);
    const { email, password } = request.body;
    const answer = await guarded(request, `email:${email.trim().toLowerCase()}`, () =>
      auth.signInWithPassword(email, password),
    );
    return answer.session ? { ...answer, session: cookies.answer(request, reply, cookieMode, answer.session) } : answer;
  });

  scope.post('/v1/signin/mfa/totp', body(bodies.signInTotp), async (request, reply) => {
    const cookieMode = cookies.requested(request);
    const { ticket, otp } = request.body;
    const session = await guarded(request, `mfa-ticket:${ticket}`, () => auth.signInWithTotp(ticket, otp));
    return { session: cookies.answer(request, reply, cookieMode, session), mfa: null };
  });

  scope.post('/v1/signup/email-password', body(bodies.signUp), async (request) => {
    const { email, password, options } = request.body;
    // The sign-up answers as it always has: a redirectTo that is not allowed is not refused, the
    // verification link leads to the server's own root instead.
    const asked = options?.redirectTo;
    const redirectTo = (asked === undefined ? undefined : redirects.allowed(asked)) ?? redirects.defaultTarget();
    const session = await guarded(request, `signup:${email.trim().toLowerCase()}`, () =>
      auth.signUp(
        {
          email,
          password,
          displayName: options?.displayName,
          locale: options?.locale,
          metadata: options?.metadata,
        },
        redirectTo,
      ),
    );
    return { session };
  });

  // Nhost returns the bare Session here, not {session}.
  scope.post('/v1/token', body(bodies.refreshOrCookie), async (request, reply) => {
    const rotate = (token: string) => guarded(request, `rt:${token}`, () => auth.refresh(token));
    if (cookies.requested(request)) return cookies.refresh(request, reply, request.body.refreshToken, rotate);
    const parsed = bodies.refresh.safeParse(request.body);
    if (!parsed.success) throw RequestInputError.fromZod(parsed.error);
    return rotate(parsed.data.refreshToken);
  });

  scope.post('/v1/signout', body(bodies.signOut), async (request, reply) => {
    const { all } = request.body;
    const cookieMode = cookies.requested(request);
    const refreshToken = cookieMode
      ? cookies.refreshToken(request, request.body.refreshToken)
      : request.body.refreshToken;
    if (all) {
      const { userId } = await caller(request);
      await auth.signOutEverywhere(userId);
    } else if (refreshToken) {
      await auth.signOut(refreshToken);
    } else if (!cookieMode) {
      throw new AuthError(
        'invalid-request',
        'The request payload is incorrect: send "refreshToken", or "all": true with an access token',
      );
    }
    if (cookieMode) cookies.clear(request, reply);
    return sendOk(reply);
  });

  scope.post('/v1/pat', body(bodies.createPat), async (request) => {
    const { userId } = await caller(request);
    const { expiresAt, metadata } = request.body;
    // The service refuses an expiry that is not in the future, on the server's clock.
    return auth.createPat(userId, new Date(expiresAt), metadata ?? {});
  });

  scope.get('/v1/pat', async (request) => {
    const { userId } = await caller(request);
    return auth.listPats(userId);
  });

  scope.delete<{ Params: { id: string } }>('/v1/pat/:id', async (request, reply) => {
    const { userId } = await caller(request);
    await auth.revokePat(userId, request.params.id);
    return sendOk(reply);
  });

  // With an access token: the caller's own password; the caller's session goes on, the others end.
  // With a reset ticket and no token: the ticket's account, and every session of it ends. A ticket
  // is a credential: a refused one counts against the client IP, as sign-ins do.
  scope.post('/v1/user/password', body(bodies.changePassword), async (request, reply) => {
    const { newPassword, ticket } = request.body;
    if (ticket !== undefined) {
      if (bearerToken(request.headers.authorization) !== undefined)
        throw new AuthError(
          'invalid-request',
          'The request payload is incorrect: send either an access token or a ticket, not both',
        );
      await guarded(request, `reset-ticket:${ticket}`, () => auth.resetPassword(ticket, newPassword));
      return sendOk(reply);
    }
    const { userId, sessionId } = await auth.authenticate(accessToken(request));
    await auth.changePassword(userId, newPassword, sessionId);
    return sendOk(reply);
  });

  scope.get('/v1/mfa/totp/generate', async (request) => {
    const { userId } = await auth.authenticate(accessToken(request));
    return auth.generateTotp(userId);
  });

  // A code is a credential: wrong ones count against the client IP and the account, as sign-ins do.
  scope.post('/v1/user/mfa', body(bodies.userMfa), async (request, reply) => {
    const { userId } = await auth.authenticate(accessToken(request));
    const { code, activeMfaType } = request.body;
    await guarded(request, `mfa-user:${userId}`, () =>
      auth.setActiveMfaType(userId, activeMfaType === 'totp' ? 'totp' : null, code),
    );
    return sendOk(reply);
  });

  scope.get('/v1/user', async (request) => {
    return auth.user(await auth.authenticate(accessToken(request)));
  });

  scope.get('/v1/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return auth.keys.jwks();
  });
}
