import { sleep } from './retry.js';

/**
 * @internal Where the clients take their time from: the cache's TTL, the token's renewal point,
 * the waits between retries. Not part of the package's surface: index.ts does not export this
 * module, and the hook is a symbol key of the options, so the documented options do not show it.
 * The SDK's tests give a clock they move, instead of waiting.
 */
export interface SdkTime {
  /** Epoch milliseconds, as Date.now(). */
  now(): number;
  /** Resolves after `ms`; rejects with an `aborted` PaviseError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** @internal The real time. */
export const systemTime: SdkTime = { now: () => Date.now(), sleep };

/** @internal The options key of the clock hook (a symbol nothing outside the SDK's tests imports). */
export const TIME: unique symbol = Symbol('pavise.sdk.time');

/** @internal A client's options with the clock hook. */
export type WithTime<Options> = Options & { [TIME]?: SdkTime };

/** @internal The clock a client's options ask for: the hook's, else the real time. */
export const timeOf = (options: object): SdkTime => (options as WithTime<object>)[TIME] ?? systemTime;
