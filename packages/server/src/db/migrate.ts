import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = path.join(packageRoot, 'migrations');

// An arbitrary constant shared by every Pavise process: the advisory lock that serialises
// migrations (and first-start bootstrap) across processes starting at the same time.
export const SCHEMA_LOCK_KEY = 7_345_120_001;

interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await fs.readFile(path.join(dir, file), 'utf8');
      return { id: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies the ordered SQL files of `migrations/` that the database has not seen, all in one
 * transaction under an advisory lock: two processes starting together serialise here, and a
 * failing migration leaves the schema exactly as it was. Returns the ids applied.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS pavise;
      CREATE TABLE IF NOT EXISTS pavise.migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
    const applied = new Map(
      (await tx.query<{ id: string; checksum: string }>('SELECT id, checksum FROM pavise.migrations')).map((row) => [
        row.id,
        row.checksum,
      ]),
    );
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...applied.keys()].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new MigrationError(
        `The database has migrations this Pavise does not know (${unknown.join(', ')}); it was set up by a newer version.`,
      );
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.id);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.id} was changed after it was applied; add a new migration instead of editing it.`,
          );
        }
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO pavise.migrations (id, checksum) VALUES ($1, $2)', [
        migration.id,
        migration.checksum,
      ]);
      done.push(migration.id);
    }
    return done;
  });
}
