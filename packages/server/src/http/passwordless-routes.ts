import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import { ticketKind } from '../auth/tickets.js';
import { digestKey } from '../cache/byte-budget-lru.js';
import { isEmail } from '../config/config.js';
import { RequestRateLimitedError } from '../rate-limit/request-limiter.js';
import { RateLimitedError } from '../rate-limit/signin-limiter.js';
import type { ServerDependencies } from './dependencies.js';
import { withZod } from './input-validation.js';

/**
 * Magic links (docs/contracts.md §3.8): `POST /v1/signin/passwordless/email` mails one, and
 * `GET /v1/verify` — the link itself — redirects to `redirectTo` with a refresh token, as Nhost
 * does. With `options.dataControllerId` (our extension) the link signs a data subject in to that
 * controller's Transparency Center; without, it signs an account in.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bodies = {
  passwordless: z.strictObject({
    email: z.string().min(1).max(320),
    // Nhost accepts more options (allowedRoles, defaultRole, displayName, locale, metadata); those
    // without meaning here are ignored.
    options: z
      .looseObject({
        redirectTo: z.string().max(2048).optional(),
        dataControllerId: z.string().regex(UUID, 'must be a uuid').optional(),
      })
      .optional(),
  }),
};

const verifyQuery = z.looseObject({
  ticket: z.string().min(1).max(200),
  type: z.string().max(64).optional(),
  redirectTo: z.string().max(2048).optional(),
});

export async function passwordlessRoutes(
  server: FastifyInstance,
  { auth, subjectSignIn, redirects, mailLimiter, verifiedOrigins }: ServerDependencies,
): Promise<void> {
  const scope = withZod(server);

  /** Counts a mail asked for, by client IP and by address; over either limit, 429 and no mail. */
  const admitMail = async (request: FastifyRequest, address: string) => {
    try {
      await mailLimiter.admit(`mail-ip:${request.ip}`);
      await mailLimiter.admit(`mail-to:${digestKey(address)}`);
    } catch (error) {
      if (error instanceof RequestRateLimitedError) throw new RateLimitedError(error.retryAfter);
      throw error;
    }
  };

  scope.post('/v1/signin/passwordless/email', { schema: { body: bodies.passwordless } }, async (request, reply) => {
    const { email, options } = request.body;
    const address = email.trim().toLowerCase();
    if (!isEmail(address))
      throw new AuthError('invalid-request', 'The request payload is incorrect: email is not an e-mail address');
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
    await admitMail(request, address);
    // The answer does not wait for the lookup and the mail: whether the address is known must
    // show neither in the answer nor in its timing.
    const sending = options?.dataControllerId
      ? subjectSignIn.sendLink({ email: address, controllerId: options.dataControllerId, redirectTo })
      : auth.sendSignInLink(address, redirectTo);
    sending.catch((error: unknown) => request.log.error({ err: error }, 'sending a sign-in link failed'));
    return reply.type('application/json; charset=utf-8').send(JSON.stringify('OK'));
  });

  scope.get('/v1/verify', { schema: { querystring: verifyQuery } }, async (request, reply) => {
    const { ticket, type } = request.query;
    if (type !== undefined && type !== 'signinPasswordless') throw new AuthError('invalid-ticket');
    const redeemed =
      ticketKind(ticket) === 'subjectSignin' ? await subjectSignIn.redeem(ticket) : await auth.redeemSignInLink(ticket);
    if (!redeemed) throw new AuthError('invalid-ticket');
    // The target was checked when the link was made; the link's own redirectTo parameter is
    // only informative (a changed one is ignored).
    const target = new URL(redeemed.redirectTo ?? redirects.defaultTarget());
    target.searchParams.set('refreshToken', redeemed.session.refreshToken);
    target.searchParams.set('type', 'signinPasswordless');
    return reply.code(302).header('location', target.toString()).send();
  });
}
