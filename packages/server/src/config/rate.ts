/** A rate limit: at most `limit` events in any window of `windowSeconds`. */
export interface Rate {
  limit: number;
  windowSeconds: number;
}

/** Parses "<count>/<seconds>", e.g. "10/300". */
export function parseRate(raw: string): Rate {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!match) throw new Error('');
  const limit = Number(match[1]);
  const windowSeconds = Number(match[2]);
  if (limit < 1 || windowSeconds < 1 || windowSeconds > 86_400) throw new Error('count ≥ 1, seconds from 1 to 86400');
  return { limit, windowSeconds };
}
