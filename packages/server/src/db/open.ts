import type { Config } from '../config/config.js';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in PAVISE_DATA_DIR. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, config.dbPoolMax) : openPglite(config.dataDir);
}
