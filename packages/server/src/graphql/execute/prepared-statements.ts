import { createHash } from 'node:crypto';
import type { QueryOptions } from '../../db/database.js';

/**
 * Names for server-side prepared statements, one per distinct SQL text the engine generates, so
 * PostgreSQL parses and plans each statement once per connection instead of on every request
 * (and switches to a generic plan once it has seen it a few times).
 *
 * A name is never reused for another text — the driver would refuse it on connections that
 * prepared the old one — so rather than evict, the registry stops naming new texts when the
 * texts it has named reach its byte budget (each connection keeps them all): later texts run as
 * unnamed statements. The texts come from the plan cache's operations, so a working set larger
 * than the budget is unusual. Texts are known by their digest: the registry holds none of them.
 */
export class PreparedStatements {
  private readonly names = new Map<string, QueryOptions>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** The query options that run `sql` as a named prepared statement, or none when full. */
  optionsFor(sql: string): QueryOptions | undefined {
    const key = createHash('sha256').update(sql).digest('base64url');
    let options = this.names.get(key);
    if (options === undefined && this.bytes + sql.length <= this.budget) {
      options = { name: `pavise_gql_${this.names.size}` };
      this.names.set(key, options);
      this.bytes += sql.length;
    }
    return options;
  }
}
