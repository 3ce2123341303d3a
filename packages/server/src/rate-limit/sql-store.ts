import { Batcher } from '../db/batcher.js';
import type { Database } from '../db/database.js';
import { type CounterStore, type WindowCount, windowStart } from './limiter.js';

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

type Entry = { key: string; windowMs: number; cost: number };

/**
 * Counters in the pavise.rate_limits table. Requests counting at the same time are batched into
 * one upsert (many requests of one caller would otherwise queue on its counter row, one commit
 * after another); each is answered with its key's count after the whole batch, which can only
 * make a limit bite a little earlier, never later.
 */
export class SqlCounterStore implements CounterStore {
  private readonly batcher: Batcher<{ entries: readonly Entry[]; nowMs: number }, WindowCount[]>;

  constructor(private readonly db: Database) {
    this.batcher = new Batcher((requests) => this.addAll(requests));
  }

  add(entries: readonly Entry[], nowMs: number): Promise<WindowCount[]> {
    return this.batcher.submit({ entries, nowMs });
  }

  private async addAll(requests: { entries: readonly Entry[]; nowMs: number }[]): Promise<WindowCount[][]> {
    // One row per key (an upsert may not touch a row twice), in the window of the latest request.
    const nowMs = Math.max(...requests.map((request) => request.nowMs));
    const totals = new Map<string, Entry>();
    for (const { entries } of requests) {
      for (const entry of entries) {
        const total = totals.get(entry.key);
        totals.set(entry.key, total ? { ...total, cost: total.cost + entry.cost } : { ...entry });
      }
    }
    const merged = [...totals.values()];
    const rows = await this.db.query<{ key: string; hits: number; prev_hits: number }>(
      ADD_HITS_SQL,
      [
        merged.map((e) => e.key),
        merged.map((e) => windowStart(nowMs, e.windowMs)),
        merged.map((e) => e.windowMs),
        merged.map((e) => e.cost),
      ],
      { name: 'ratelimit.add' },
    );
    const byKey = new Map(rows.map((row) => [row.key, { hits: row.hits, prevHits: row.prev_hits }]));
    return requests.map(({ entries }) => entries.map((e) => byKey.get(e.key) ?? { hits: 0, prevHits: 0 }));
  }

  /** Forgets counters whose windows can no longer matter. */
  async prune(nowMs: number): Promise<void> {
    await this.db.query('DELETE FROM pavise.rate_limits WHERE window_start + 2 * window_ms < $1', [nowMs]);
  }

  async close(): Promise<void> {}
}
