import { abortError } from '../../src/retry.js';
import type { SdkTime } from '../../src/time.js';
import { TestClock } from './pavise-server.js';

/**
 * A client's time that stands still until the test moves it: give it to a client as
 * `{ [TIME]: time }`. On the TestClock of a test server, client and server share one time.
 *
 * A wait the client asks for (a retry's back-off, Retry-After) passes at once and moves the clock
 * by as long as it asked for, so what follows it sees that much time gone, on both sides.
 */
export class FakeTime implements SdkTime {
  /** Every wait the client asked for, in milliseconds, in order. */
  readonly sleeps: number[] = [];

  constructor(readonly clock: TestClock = new TestClock()) {}

  readonly now = (): number => this.clock.now();

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw abortError(signal);
    this.sleeps.push(ms);
    this.clock.advance(ms);
  };

  /** Moves the time by `ms` milliseconds. */
  advance(ms: number): void {
    this.clock.advance(ms);
  }
}
