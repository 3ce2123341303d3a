import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import { ACCOUNT_LINK_TYPES, type AccountLinkType } from '../auth/service.js';
import { ticketKind } from '../auth/tickets.js';
import type { ServerDependencies } from './dependencies.js';
import { withZod } from './input-validation.js';

/**
 * `GET /v1/verify`: the link of every mail (docs/contracts.md §3.8, §3.10). It uses the ticket,
 * starts a session and redirects to the link's `redirectTo` with `refreshToken` and `type` in
 * the query, as Nhost does. `type` names the kind of link — a magic link (`signinPasswordless`,
 * the default; for an account or a data subject), a password reset (`passwordReset`) or an
 * e-mail verification (`emailVerify`) — and a ticket is good only for its own kind.
 */

const verifyQuery = z.looseObject({
  ticket: z.string().min(1).max(200),
  type: z.string().max(64).optional(),
  redirectTo: z.string().max(2048).optional(),
});

const isAccountLinkType = (type: string): type is AccountLinkType =>
  (ACCOUNT_LINK_TYPES as readonly string[]).includes(type);

export async function verifyRoutes(
  server: FastifyInstance,
  { auth, subjectSignIn, redirects }: Pick<ServerDependencies, 'auth' | 'subjectSignIn' | 'redirects'>,
): Promise<void> {
  const scope = withZod(server);

  scope.get('/v1/verify', { schema: { querystring: verifyQuery } }, async (request, reply) => {
    const { ticket, type = 'signinPasswordless' } = request.query;
    if (!isAccountLinkType(type)) throw new AuthError('invalid-ticket');
    // A data subject's magic link is a signinPasswordless link too; its ticket says whose it is.
    const redeemed =
      type === 'signinPasswordless' && ticketKind(ticket) === 'subjectSignin'
        ? await subjectSignIn.redeem(ticket)
        : await auth.redeemAccountLink(ticket, type);
    if (!redeemed) throw new AuthError('invalid-ticket');
    // The target was checked when the link was made; the link's own redirectTo parameter is
    // only informative (a changed one is ignored).
    const target = new URL(redeemed.redirectTo ?? redirects.defaultTarget());
    target.searchParams.set('refreshToken', redeemed.session.refreshToken);
    target.searchParams.set('type', type);
    return reply.code(302).header('location', target.toString()).send();
  });
}
