import type { Config } from '../config/config.js';
import type { Database } from './database.js';

/**
 * PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in PAVISE_DATA_DIR. Each
 * driver is loaded only when it is the one used (importing `pg` or PGlite costs tens of ms).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>,
  /**
   * Milliseconds any one statement may run (0: no limit): the server's bound on what a request
   * costs the database. PostgreSQL only — PGlite runs in this process and cannot interrupt one.
   */
  statementTimeoutMs = 0,
): Promise<Database> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(config.databaseUrl, config.dbPoolMax, statementTimeoutMs);
  }
  const { openPglite } = await import('./pglite.js');
  return openPglite(config.dataDir);
}
