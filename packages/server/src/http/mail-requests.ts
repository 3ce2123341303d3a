import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../auth/errors.js';
import { digestKey } from '../cache/byte-budget-lru.js';
import { isEmail } from '../config/config.js';
import { RequestRateLimitedError } from '../rate-limit/request-limiter.js';
import { RateLimitedError } from '../rate-limit/signin-limiter.js';
import type { ServerDependencies } from './dependencies.js';

/**
 * What every route that mails a link shares (docs/contracts.md §3.8, §3.10): the address checked,
 * the mail counted by client IP and by address, and the answer "OK" sent before the lookup, so
 * that neither the answer nor its timing tells a known address from an unknown one.
 */

/** `options.redirectTo`, as the routes that mail a link take it. */
export const redirectToOption = z.string().max(2048).optional();

/** The address of a request's `email`, normalised; 400 if it is not one. */
export function mailAddress(email: string): string {
  const address = email.trim().toLowerCase();
  if (!isEmail(address))
    throw new AuthError('invalid-request', 'The request payload is incorrect: email is not an e-mail address');
  return address;
}

/** Counts a mail asked for, by client IP and by address; over either limit, 429 and no mail. */
export async function admitMail(
  mailLimiter: ServerDependencies['mailLimiter'],
  request: FastifyRequest,
  address: string,
): Promise<void> {
  try {
    await mailLimiter.admit(`mail-ip:${request.ip}`);
    await mailLimiter.admit(`mail-to:${digestKey(address)}`);
  } catch (error) {
    if (error instanceof RequestRateLimitedError) throw new RateLimitedError(error.retryAfter);
    throw error;
  }
}

/**
 * Answers "OK" now and leaves `sending` (the lookup and the mail) running; its failure is logged,
 * without the address.
 */
export function answerBeforeSending(
  request: FastifyRequest,
  reply: FastifyReply,
  sending: Promise<void>,
  what: string,
): FastifyReply {
  sending.catch((error: unknown) => request.log.error({ err: error }, `sending ${what} failed`));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify('OK'));
}
