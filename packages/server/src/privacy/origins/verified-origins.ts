import { ByteBudgetLru, digestKey } from '../../cache/byte-budget-lru.js';
import type { Clock } from '../../clock.js';
import type { Queryable } from '../../db/database.js';

/**
 * Which data controllers have verified a web origin: asked for every request that comes from a
 * foreign origin (http/cors/), so answers are kept in process for EXPIRY_MS on the server's clock,
 * within a byte budget. An origin verified or removed through another process (or this one) is
 * seen within that time everywhere (docs/contracts.md §1.1). Unknown origins are remembered too:
 * a page on one calls as often as a page on a known one.
 */
export const VERIFIED_ORIGIN_EXPIRY_MS = 30_000;
const BUDGET_BYTES = 1024 * 1024;

interface Entry {
  controllers: readonly string[];
  expiresAt: number;
}

export class VerifiedOrigins {
  private readonly cache = new ByteBudgetLru<Entry>(BUDGET_BYTES, (entry) => 64 + entry.controllers.length * 88);
  /** Lookups under way, so that a burst of requests from one new origin costs one query. */
  private readonly pending = new Map<string, Promise<readonly string[]>>();

  constructor(
    private readonly db: Queryable,
    private readonly clock: Clock,
  ) {}

  /** The ids of the controllers that verified `origin` (normalised, input/origin.ts); empty for none. */
  controllersVerifying(origin: string): Promise<readonly string[]> {
    const key = digestKey(origin);
    const known = this.cache.get(key);
    if (known && known.expiresAt > this.clock.now()) return Promise.resolve(known.controllers);
    let lookup = this.pending.get(key);
    if (!lookup) {
      lookup = this.lookUp(origin).then(
        (controllers) => {
          this.pending.delete(key);
          this.cache.set(key, { controllers, expiresAt: this.clock.now() + VERIFIED_ORIGIN_EXPIRY_MS });
          return controllers;
        },
        (error: unknown) => {
          this.pending.delete(key);
          throw error;
        },
      );
      this.pending.set(key, lookup);
    }
    return lookup;
  }

  private async lookUp(origin: string): Promise<readonly string[]> {
    const rows = await this.db.query<{ data_controller_id: string }>(
      'SELECT data_controller_id FROM public.data_controller_origins WHERE origin = $1 AND verified_at IS NOT NULL',
      [origin],
      { name: 'privacy.verified-origin' },
    );
    return Object.freeze(rows.map((row) => row.data_controller_id));
  }
}
