/**
 * The one database interface the rest of Pavise sees. Two implementations speak the same
 * PostgreSQL dialect: PGlite (embedded, the default) and a `pg` pool (DATABASE_URL).
 */
export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * Name for a server-side prepared statement. Hot paths set it so PostgreSQL parses and plans
   * the statement once per connection; PGlite ignores it.
   */
  name?: string;
}

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<R extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
