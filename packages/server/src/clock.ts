/**
 * Where the server's time comes from. startPavise is given one clock (the system's unless told
 * otherwise) and hands it to every service that decides by time: token lifetimes, expiries, rate
 * limit windows, deadlines. Tests give a clock they move, instead of waiting.
 *
 * Milliseconds since the Unix epoch, as Date.now(): reading it allocates nothing, which matters on
 * the paths that read it with every request. SQL receives it the same way, as a bound parameter
 * (`to_timestamp($n::float8 / 1000)`), or in a transaction as the setting pavise.now that
 * pavise.now() reads (see migration 0010).
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: Date.now };
