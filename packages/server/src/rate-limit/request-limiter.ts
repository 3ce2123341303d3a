import { type Clock, systemClock } from '../clock.js';
import type { Rate } from '../config/rate.js';
import { type CounterStore, type Decision, decide, windowStart } from './limiter.js';

/** What a caller is told about its window: the X-RateLimit-* headers the XtraSecurity clients read. */
export interface Allowance {
  limit: number;
  remaining: number;
  /** When the current window ends (epoch seconds). */
  resetAt: number;
}

export class RequestRateLimitedError extends Error {
  override name = 'RequestRateLimitedError';
  constructor(
    readonly retryAfter: number,
    readonly allowance: Allowance,
  ) {
    super(`Too Many Requests: retry after ${retryAfter} seconds`);
  }
}

/**
 * Requests per caller (the vault API's limit), counted in the shared counter store (PostgreSQL,
 * or Redis when configured) so several processes enforce one limit. Windows are counted on the
 * clock it is given.
 */
export class RequestRateLimiter {
  constructor(
    private readonly store: CounterStore,
    private readonly rate: Rate,
    private readonly enabled: boolean,
    private readonly onStoreError: (error: unknown) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Counts one request of `bucket`: the allowance left, or undefined when nothing is counted
   * (limits off, or the store failed: a broken counter store must not take the API down with it).
   * Throws RequestRateLimitedError when over the limit.
   */
  async admit(bucket: string): Promise<Allowance | undefined> {
    if (!this.enabled) return undefined;
    const now = this.clock.now();
    const windowMs = this.rate.windowSeconds * 1000;
    let decision: Decision;
    try {
      const [count] = await this.store.add([{ key: bucket, windowMs, cost: 1 }], now);
      decision = decide(count!, this.rate, now);
    } catch (error) {
      this.onStoreError(error);
      return undefined;
    }
    const allowance = {
      limit: this.rate.limit,
      remaining: decision.remaining,
      resetAt: Math.ceil((windowStart(now, windowMs) + windowMs) / 1000),
    };
    if (!decision.allowed) throw new RequestRateLimitedError(decision.retryAfter, allowance);
    return allowance;
  }
}
