import { Redis } from 'ioredis';
import { type CounterStore, type WindowCount, windowStart } from './limiter.js';

/** Counters in Redis (REDIS_URL): a key per fixed window, expiring after the next one. */
export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // Connection problems surface as failed commands; the listener keeps them from crashing the process.
    this.redis.on('error', () => {});
  }

  async add(
    entries: readonly { key: string; windowMs: number; cost: number }[],
    nowMs: number,
  ): Promise<WindowCount[]> {
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      const start = windowStart(nowMs, entry.windowMs);
      const current = `pavise:rl:${entry.key}:${start}`;
      pipeline.incrby(current, entry.cost);
      pipeline.pexpire(current, entry.windowMs * 2);
      pipeline.get(`pavise:rl:${entry.key}:${start - entry.windowMs}`);
    }
    const results = (await pipeline.exec()) ?? [];
    return entries.map((_, i) => {
      const [incrError, hits] = results[i * 3] ?? [];
      const [getError, prev] = results[i * 3 + 2] ?? [];
      if (incrError) throw incrError;
      if (getError) throw getError;
      return { hits: Number(hits ?? 0), prevHits: Number(prev ?? 0) };
    });
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
