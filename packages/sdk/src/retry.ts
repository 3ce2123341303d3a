import { PaviseError } from './errors.js';

/** The first retry waits about this long; each further one twice as long, up to the cap. */
const BASE_DELAY_MS = 200;
const MAX_BACKOFF_MS = 8_000;
/** A server asking for a longer pause than this gets a `rate-limited` error instead of a silent wait. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * "Full jitter" exponential backoff: a random delay between 0 and base × 2^attempt (capped), so
 * clients that failed together do not retry together.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** attempt));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retrying a failed attempt, or undefined when it must not be retried:
 * 429 and 503 as Retry-After asks (a longer wait than MAX_RETRY_AFTER_MS is the caller's call,
 * so no retry); network failures and other 5xx with backoff, but a request that may have run
 * only if it is `repeatable` (or certainly never reached the server).
 */
export function retryDelayMs(
  attempt: number,
  outcome: { error: unknown } | { response: Response },
  repeatable: boolean,
  now: number = Date.now(),
): number | undefined {
  if ('error' in outcome) return repeatable || neverReachedServer(outcome.error) ? backoffMs(attempt) : undefined;
  const { status, headers } = outcome.response;
  if (status === 429 || status === 503) {
    const asked = retryAfterMs(headers.get('retry-after'), now);
    if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) return undefined;
    return asked ?? backoffMs(attempt);
  }
  return status >= 500 && repeatable ? backoffMs(attempt) : undefined;
}

/** Waits `ms`, or rejects with an `aborted` PaviseError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): PaviseError {
  return new PaviseError('the request was aborted', 'aborted', { cause: signal.reason });
}

/**
 * Whether a failed fetch certainly never reached the server: the connection was refused or the
 * host not found. Only then may a mutation be sent again.
 */
export function neverReachedServer(error: unknown): boolean {
  const codes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    const { code, cause: next } = cause as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && codes.has(code)) return true;
    // AggregateError (Happy Eyeballs tried several addresses): refused only if all were.
    const errors = (cause as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every(neverReachedServer)) return true;
    cause = next;
  }
  return false;
}
