import type { Database } from '../../db/database.js';
import { windowStart, type CounterStore, type WindowCount } from './limiter.js';

/**
 * Adds hits to several keys' current windows (rolling them over when a new window has begun) and
 * returns the counts. Exported for the benchmark's baseline.
 */
export const ADD_HITS_SQL = `INSERT INTO pavise.rate_limits AS r (key, window_start, window_ms, hits, prev_hits)
SELECT key, window_start, window_ms, cost, 0
FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[]) AS t(key, window_start, window_ms, cost)
ON CONFLICT (key) DO UPDATE SET
  prev_hits = CASE
    WHEN r.window_start = EXCLUDED.window_start THEN r.prev_hits
    WHEN r.window_start = EXCLUDED.window_start - EXCLUDED.window_ms THEN r.hits
    ELSE 0 END,
  hits = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.hits ELSE 0 END + EXCLUDED.hits,
  window_start = EXCLUDED.window_start,
  window_ms = EXCLUDED.window_ms
RETURNING key, hits, prev_hits`;

/** Counters in the pavise.rate_limits table: one upsert statement for all keys of a request. */
export class SqlCounterStore implements CounterStore {
  constructor(private readonly db: Database) {}

  async add(entries: readonly { key: string; windowMs: number; cost: number }[], nowMs: number): Promise<WindowCount[]> {
    const rows = await this.db.query<{ key: string; hits: number; prev_hits: number }>(
      ADD_HITS_SQL,
      [
        entries.map((e) => e.key),
        entries.map((e) => windowStart(nowMs, e.windowMs)),
        entries.map((e) => e.windowMs),
        entries.map((e) => e.cost),
      ],
      { name: 'ratelimit.add' },
    );
    const byKey = new Map(rows.map((row) => [row.key, { hits: row.hits, prevHits: row.prev_hits }]));
    return entries.map((e) => byKey.get(e.key) ?? { hits: 0, prevHits: 0 });
  }

  /** Forgets counters whose windows can no longer matter. */
  async prune(nowMs: number): Promise<void> {
    await this.db.query('DELETE FROM pavise.rate_limits WHERE window_start + 2 * window_ms < $1', [nowMs]);
  }

  async close(): Promise<void> {}
}
