import type { Rate } from '../config/rate.js';

/**
 * Sliding-window rate limiting (the "sliding window counter" approximation): the count is this
 * window's hits plus the previous window's, weighted by how much of it still overlaps the
 * sliding window. Counters live in a shared store so every process sees the same numbers.
 */
export interface WindowCount {
  hits: number;
  prevHits: number;
}

export interface CounterStore {
  /**
   * Adds `cost` (0 = only read) to the current fixed window of each key and returns the
   * window's and the previous window's hits, in order.
   */
  add(entries: readonly { key: string; windowMs: number; cost: number }[], nowMs: number): Promise<WindowCount[]>;
  close(): Promise<void>;
}

export interface Decision {
  allowed: boolean;
  /** Whole seconds until a request would be allowed again (0 when allowed). */
  retryAfter: number;
  remaining: number;
}

export function windowStart(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}

/**
 * Allowed while the weighted count plus `pending` (hits about to happen that `count` does not
 * hold yet) stays within the limit. When refused, computes when the weighted count will have
 * decayed enough for one more hit, assuming no further hits.
 */
export function decide(count: WindowCount, rate: Rate, nowMs: number, pending = 0): Decision {
  const windowMs = rate.windowSeconds * 1000;
  const start = windowStart(nowMs, windowMs);
  const elapsed = (nowMs - start) / windowMs;
  const weighted = count.prevHits * (1 - elapsed) + count.hits;
  if (weighted + pending <= rate.limit) {
    return { allowed: true, retryAfter: 0, remaining: Math.max(0, Math.floor(rate.limit - weighted - pending)) };
  }
  // One more request fits when weighted + 1 <= limit.
  const room = rate.limit - 1;
  let waitMs: number;
  if (count.hits <= room) {
    // Still within this window, once the previous window's share has decayed enough.
    const needed = count.prevHits > 0 ? 1 - (room - count.hits) / count.prevHits : 0;
    waitMs = Math.max(0, needed * windowMs - (nowMs - start));
  } else {
    // In the next window, once this window's share (then the previous one) has decayed enough.
    const needed = count.hits > 0 ? 1 - room / count.hits : 0;
    waitMs = start + windowMs + needed * windowMs - nowMs;
  }
  return { allowed: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)), remaining: 0 };
}
