import type { FastifyReply } from 'fastify';
import { type Clock, systemClock } from '../../clock.js';
import type { Rate } from '../../config/rate.js';
import { type CounterStore, type Decision, decide, windowStart } from '../rate-limit/limiter.js';

export class VaultRateLimitedError extends Error {
  override name = 'VaultRateLimitedError';
  constructor(readonly retryAfter: number) {
    super(`Too Many Requests: retry after ${retryAfter} seconds`);
  }
}

/**
 * Requests per caller on the vault API, counted in the shared counter store (PostgreSQL, or
 * Redis when configured) so several processes enforce one limit. Every answer carries the
 * X-RateLimit-* headers the XtraSecurity clients read. Windows are counted on the clock it is given.
 */
export class VaultRateLimiter {
  constructor(
    private readonly store: CounterStore,
    private readonly rate: Rate,
    private readonly enabled: boolean,
    private readonly onStoreError: (error: unknown) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Counts the request; sets the headers; throws VaultRateLimitedError when over the limit. */
  async admit(bucket: string, reply: FastifyReply): Promise<void> {
    if (!this.enabled) return;
    const now = this.clock.now();
    const windowMs = this.rate.windowSeconds * 1000;
    let decision: Decision;
    try {
      const [count] = await this.store.add([{ key: bucket, windowMs, cost: 1 }], now);
      decision = decide(count!, this.rate, now);
    } catch (error) {
      // A broken counter store must not take the vault down with it.
      this.onStoreError(error);
      return;
    }
    reply.header('x-ratelimit-limit', String(this.rate.limit));
    reply.header('x-ratelimit-remaining', String(decision.remaining));
    reply.header('x-ratelimit-reset', String(Math.ceil((windowStart(now, windowMs) + windowMs) / 1000)));
    if (!decision.allowed) throw new VaultRateLimitedError(decision.retryAfter);
  }
}
