import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import type { ServerDependencies } from './dependencies.js';
import { withZod } from './input-validation.js';
import { admitMail, answerBeforeSending, mailAddress, redirectToOption } from './mail-requests.js';

/**
 * Magic links (docs/contracts.md §3.8): `POST /v1/signin/passwordless/email` mails one, and
 * `GET /v1/verify` (verify-routes.ts) — the link itself — redirects to `redirectTo` with a refresh
 * token, as Nhost does. With `options.dataControllerId` (our extension) the link signs a data
 * subject in to that controller's Transparency Center; without, it signs an account in.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bodies = {
  passwordless: z.strictObject({
    email: z.string().min(1).max(320),
    // Nhost accepts more options (allowedRoles, defaultRole, displayName, locale, metadata); those
    // without meaning here are ignored.
    options: z
      .looseObject({
        redirectTo: redirectToOption,
        dataControllerId: z.string().regex(UUID, 'must be a uuid').optional(),
      })
      .optional(),
  }),
};

export async function passwordlessRoutes(
  server: FastifyInstance,
  {
    auth,
    subjectSignIn,
    redirects,
    mailLimiter,
    verifiedOrigins,
  }: Pick<ServerDependencies, 'auth' | 'subjectSignIn' | 'redirects' | 'mailLimiter' | 'verifiedOrigins'>,
): Promise<void> {
  const scope = withZod(server);

  scope.post('/v1/signin/passwordless/email', { schema: { body: bodies.passwordless } }, async (request, reply) => {
    const { email, options } = request.body;
    const address = mailAddress(email);
    // A subject's link may also lead back to a web origin its controller verified (the site whose
    // widget asked for it).
    const controllerId = options?.dataControllerId;
    const controllerOrigins = async (redirectTo: string) => {
      const origin = URL.canParse(redirectTo) ? new URL(redirectTo).origin : undefined;
      if (!controllerId || !origin) return [];
      return (await verifiedOrigins.controllersVerifying(origin)).includes(controllerId) ? [origin] : [];
    };
    const redirectTo =
      options?.redirectTo === undefined
        ? redirects.defaultTarget()
        : redirects.allowed(options.redirectTo, await controllerOrigins(options.redirectTo));
    if (redirectTo === undefined) throw new AuthError('redirectTo-not-allowed');
    await admitMail(mailLimiter, request, address);
    const sending = controllerId
      ? subjectSignIn.sendLink({ email: address, controllerId, redirectTo })
      : auth.sendSignInLink(address, redirectTo);
    return answerBeforeSending(request, reply, sending, 'a sign-in link');
  });
}
