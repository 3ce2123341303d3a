import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import type { ServerDependencies } from './dependencies.js';
import { withZod } from './input-validation.js';
import { admitMail, answerBeforeSending, mailAddress, redirectToOption } from './mail-requests.js';

/**
 * Password reset and e-mail verification (docs/contracts.md §3.10), Nhost's routes: each mails a
 * link that `GET /v1/verify` (verify-routes.ts) follows. Both answer "OK" whether or not the
 * address is known; the new password itself is set by `POST /v1/user/password` (auth-routes.ts).
 */

const mailBody = z.strictObject({
  email: z.string().min(1).max(320),
  // Nhost's options; only redirectTo has a meaning here.
  options: z.looseObject({ redirectTo: redirectToOption }).optional(),
});

export async function accountMailRoutes(
  server: FastifyInstance,
  { auth, redirects, mailLimiter }: Pick<ServerDependencies, 'auth' | 'redirects' | 'mailLimiter'>,
): Promise<void> {
  const scope = withZod(server);

  /** The body's address and its allowed redirectTo (default: the server's root); 400 otherwise, before any count. */
  const accept = (body: z.infer<typeof mailBody>) => {
    const address = mailAddress(body.email);
    const asked = body.options?.redirectTo;
    const redirectTo = asked === undefined ? redirects.defaultTarget() : redirects.allowed(asked);
    if (redirectTo === undefined) throw new AuthError('redirectTo-not-allowed');
    return { address, redirectTo };
  };

  scope.post('/v1/user/password/reset', { schema: { body: mailBody } }, async (request, reply) => {
    const { address, redirectTo } = accept(request.body);
    await admitMail(mailLimiter, request, address);
    return answerBeforeSending(request, reply, auth.sendPasswordReset(address, redirectTo), 'a password-reset link');
  });

  scope.post('/v1/user/email/send-verification-email', { schema: { body: mailBody } }, async (request, reply) => {
    const { address, redirectTo } = accept(request.body);
    await admitMail(mailLimiter, request, address);
    return answerBeforeSending(
      request,
      reply,
      auth.sendVerificationEmail(address, redirectTo),
      'an e-mail verification link',
    );
  });
}
