import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** PAVISE_BENCH_DATABASE_URL, else DATABASE_URL, else the local server's postgres database. */
export const benchAdminUrl = () =>
  process.env.PAVISE_BENCH_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_ADMIN_URL;

export interface ScratchDatabase {
  url: string;
  serverVersion: string;
  drop(): Promise<void>;
}

/** A database of its own, so the run neither sees nor leaves behind anyone else's rows. */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `pavise_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const version = await admin.query<{ server_version: string }>('SHOW server_version');
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      serverVersion: version.rows[0]?.server_version ?? 'unknown',
      async drop() {
        // A fresh connection: the one above may have been idle long enough to be cut.
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          // FORCE: a server that failed to stop must not keep the database alive.
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  } finally {
    await admin.end();
  }
}
