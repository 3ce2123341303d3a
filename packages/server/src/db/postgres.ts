import pg from 'pg';
import type { Database, Queryable, QueryOptions } from './database.js';

// PGlite returns int8/numeric-free counts as JS numbers; make `pg` agree so both lanes return
// identical values. Values beyond 2^53 do not occur in the counters and sizes we read as int8.
const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === INT8_ARRAY_OID) {
      const parseArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (value: string) => string[])(
        INT8_ARRAY_OID,
        'text',
      );
      return (value: string) => parseArray(value).map(Number);
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

function toQueryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R extends object>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}) {
      const result = await client.query<R>({
        text: sql,
        values: params as unknown[],
        ...(options.name ? { name: options.name } : {}),
      });
      return result.rows;
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export async function openPostgres(url: string, poolMax: number, statementTimeoutMs = 0): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    types,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => {});
  const base = toQueryable(pool);
  // Fail fast with the driver's message (bad host, password, database) rather than on first use.
  await base.query('SELECT 1');
  return {
    kind: 'postgres',
    ...base,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(toQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
