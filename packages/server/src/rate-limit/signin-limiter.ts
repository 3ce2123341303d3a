import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { Rate } from '../config/rate.js';
import { type CounterStore, decide } from './limiter.js';

export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfter: number) {
    super(`Too many sign-in attempts; retry after ${retryAfter} seconds`);
  }
}

export interface SignInLimits {
  enabled: boolean;
  ipFailures: Rate;
  perCredential: Rate;
}

/**
 * Guards the sign-in routes with two limits:
 * - failed attempts per client IP (the brute-force guard; successful sign-ins cost nothing, so
 *   automation that signs in with a valid PAT is never limited by it);
 * - attempts per presented credential (a PAT, refresh token or e-mail, kept only as a hash),
 *   which stops a single credential being hammered from many addresses.
 * Windows are counted on the clock it is given.
 */
export class SignInLimiter {
  constructor(
    private readonly store: CounterStore,
    private readonly limits: SignInLimits,
    private readonly clock: Clock = systemClock,
    private readonly onStoreError: (error: unknown) => void = () => {},
  ) {}

  /** Counts the attempt against the credential; throws RateLimitedError when either limit is reached. */
  async admit(ip: string, credential: string): Promise<void> {
    if (!this.limits.enabled) return;
    const now = this.clock.now();
    const { ipFailures, perCredential } = this.limits;
    let counts: Awaited<ReturnType<CounterStore['add']>>;
    try {
      counts = await this.store.add(
        [
          { key: ipKey(ip), windowMs: ipFailures.windowSeconds * 1000, cost: 0 },
          { key: credentialKey(credential), windowMs: perCredential.windowSeconds * 1000, cost: 1 },
        ],
        now,
      );
    } catch (error) {
      // The limiter is a second line of defence: a broken counter store must not lock every user out.
      this.onStoreError(error);
      return;
    }
    // The IP check asks whether one more failure would still be within the limit.
    const byIp = decide(counts[0]!, ipFailures, now, 1);
    const byCredential = decide(counts[1]!, perCredential, now);
    if (!byIp.allowed || !byCredential.allowed) {
      throw new RateLimitedError(Math.max(byIp.retryAfter, byCredential.retryAfter));
    }
  }

  async recordFailure(ip: string): Promise<void> {
    if (!this.limits.enabled) return;
    try {
      await this.store.add(
        [{ key: ipKey(ip), windowMs: this.limits.ipFailures.windowSeconds * 1000, cost: 1 }],
        this.clock.now(),
      );
    } catch (error) {
      this.onStoreError(error);
    }
  }
}

export const ipKey = (ip: string) => `signin-failures:ip:${ip}`;
// Credentials are secrets or personal data: the counter key holds only a digest.
export const credentialKey = (credential: string) =>
  `signin:credential:${createHash('sha256').update(credential).digest('hex')}`;
