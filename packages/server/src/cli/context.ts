import type { AuthService } from '../auth/service.js';
import { type Config, loadConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

export interface DatabaseContext {
  config: Config;
  db: Database;
  /**
   * The auth service over this database, made on first call: it loads the JWT and password
   * libraries and reads the signing keys, which commands that only read tables do not need.
   */
  auth(): Promise<AuthService>;
}

/**
 * For the administration commands: opens (and migrates) the database the server would use, runs
 * `work`, and closes it again. With the embedded database the server must not be running, since
 * PGlite allows one process at a time; the lock error says so.
 */
export async function withDatabase<T>(work: (context: DatabaseContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    let auth: Promise<AuthService> | undefined;
    return await work({
      config,
      db,
      auth: () => {
        auth ??= import('../auth/service.js').then(({ AuthService }) => AuthService.create(db, config));
        return auth;
      },
    });
  } finally {
    await db.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
