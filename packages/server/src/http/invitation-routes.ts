import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import { findUserByEmail } from '../auth/users.js';
import { isCredentialRefusal } from './auth-errors.js';
import { bearerToken } from './bearer.js';
import type { ServerDependencies } from './dependencies.js';
import { withZod } from './input-validation.js';
import { SessionCookies } from './session-cookie.js';

/**
 * The invitee's side of a team invitation (docs/contracts.md §6.11): what the accept page shows
 * (`preview`), and accepting — with the access token of the invited address's account, or, for
 * a person without one, with the password of the account made for them in the same
 * transaction. The ticket travels in the body, never in a URL (URLs are logged).
 */

const ticket = z.string().min(1).max(200);
const bodies = {
  preview: z.strictObject({ ticket }),
  accept: z.strictObject({
    ticket,
    password: z.string().min(1).optional(),
    displayName: z.string().max(256).optional(),
    locale: z.string().min(2).max(10).optional(),
  }),
};

export async function invitationRoutes(
  server: FastifyInstance,
  { auth, team, signInLimiter, config }: Pick<ServerDependencies, 'auth' | 'team' | 'signInLimiter' | 'config'>,
): Promise<void> {
  const scope = withZod(server);
  const cookies = new SessionCookies(config);

  /** A ticket is a credential: wrong ones count against the client IP, as failed sign-ins do. */
  const guarded = async <T>(request: FastifyRequest, presented: string, attempt: () => Promise<T>): Promise<T> => {
    await signInLimiter.admit(request.ip, `invitation:${presented}`);
    try {
      return await attempt();
    } catch (error) {
      if (isCredentialRefusal(error)) await signInLimiter.recordFailure(request.ip);
      throw error;
    }
  };

  scope.post('/v1/invitations/preview', { schema: { body: bodies.preview } }, async (request) =>
    guarded(request, request.body.ticket, async () => {
      const preview = await team.preview(request.body.ticket);
      if (!preview) throw new AuthError('invalid-ticket');
      return preview;
    }),
  );

  scope.post('/v1/invitations/accept', { schema: { body: bodies.accept } }, async (request, reply) => {
    // In cookie mode (§3.11) a new account's session keeps its refresh token in the cookie.
    const cookieMode = cookies.requested(request);
    const { ticket: presented, password, displayName, locale } = request.body;
    const token = bearerToken(request.headers.authorization);
    if (token && password !== undefined)
      throw new AuthError(
        'invalid-request',
        'Send either an access token (an account accepts) or a password (a new account), not both',
      );
    if (!token && password === undefined)
      throw new AuthError(
        'invalid-request',
        'Send a password to create your account, or, if you have one, sign in and accept with its access token',
      );
    // The signed-in account is checked before the ticket is used: a stale token spends nothing.
    const signedIn = token ? await auth.activeUser((await auth.authenticate(token)).userId) : undefined;
    const accepted = await guarded(request, presented, () =>
      team.accept(presented, async (invited, tx) => {
        if (signedIn) return signedIn;
        if (await findUserByEmail(tx, invited.email))
          throw new AuthError(
            'email-already-in-use',
            'An account with this e-mail address exists: sign in, then accept with its access token',
          );
        // Following the mailed link proved the address.
        return auth.createUser(
          {
            email: invited.email,
            password: password!,
            displayName: displayName ?? invited.displayName,
            locale,
            emailVerified: true,
          },
          tx,
        );
      }),
    );
    return {
      dataControllerId: accepted.dataControllerId,
      role: accepted.role,
      session: signedIn
        ? null
        : cookies.answer(request, reply, cookieMode, await auth.startSessionFor(accepted.userId)),
    };
  });
}
