import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.js';
import type { Database, Queryable } from './database.js';

function toQueryable(db: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * Opens the embedded database under `<dataDir>/pgdata`. PGlite is single-process: the data
 * directory is locked for as long as it is open, and a second process gets a clear error instead
 * of corrupting it.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireDataDirLock(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
  } catch (error) {
    await lock.release();
    throw error;
  }
  let closed = false;
  return {
    kind: 'pglite',
    ...toQueryable(db),
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) => work(toQueryable(tx)));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}
