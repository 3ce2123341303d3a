import type { QueryOptions } from '../../db/database.js';

/**
 * Names for server-side prepared statements, one per distinct SQL text the engine generates, so
 * PostgreSQL parses and plans each statement once per connection instead of on every request
 * (and switches to a generic plan once it has seen it a few times).
 *
 * A name is never reused for another text — the driver would refuse it on connections that
 * prepared the old one — so rather than evict, the registry stops naming new texts when full:
 * those run as unnamed statements, as before. The texts come from the plan cache's operations,
 * so a working set larger than `capacity` is unusual.
 */
export class PreparedStatements {
  private readonly names = new Map<string, QueryOptions>();

  constructor(private readonly capacity = 2_000) {}

  /** The query options that run `sql` as a named prepared statement, or none when full. */
  optionsFor(sql: string): QueryOptions | undefined {
    let options = this.names.get(sql);
    if (options === undefined && this.names.size < this.capacity) {
      options = { name: `pavise_gql_${this.names.size}` };
      this.names.set(sql, options);
    }
    return options;
  }
}
