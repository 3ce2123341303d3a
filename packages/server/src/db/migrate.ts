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
  /** SHA-256 of the statements: whole-line `--` comments and blank lines do not count. */
  checksum: string;
  /** SHA-256 of the whole file, as recorded before comments were left out of the checksum. */
  fileChecksum: string;
}

// The whole-file checksums two migrations were recorded with before their header comments were
// corrected (they cited design files outside the repository); their statements are unchanged.
const SUPERSEDED_FILE_CHECKSUMS: Record<string, string> = {
  '0007_vault': '630cb8dd5c6599df33baf01ed2d794a71c78543d9b5ce7bed79edce5edc164a5',
  '0008_privacy_domain': '763f00b00e63e66864784dc9dc17e50aea34d106783787d7ff5f65d03d7f7c20',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A migration's comments may be corrected after it was applied; its statements may not. */
function statementChecksum(sql: string): string {
  const statements = sql.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return sha256(statements.join('\n'));
}

async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await fs.readFile(path.join(dir, file), 'utf8');
      return { id: file.replace(/\.sql$/, ''), sql, checksum: statementChecksum(sql), fileChecksum: sha256(sql) };
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
    // A migration may rewrite a large table: the server's per-statement limit is not for it.
    await tx.exec('SET LOCAL statement_timeout = 0');
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
        if (checksum === migration.checksum) continue;
        if (checksum === migration.fileChecksum || checksum === SUPERSEDED_FILE_CHECKSUMS[migration.id]) {
          // Recorded by an earlier Pavise as the whole file's hash: same statements, new record.
          await tx.query('UPDATE pavise.migrations SET checksum = $2 WHERE id = $1', [
            migration.id,
            migration.checksum,
          ]);
          continue;
        }
        throw new MigrationError(
          `Migration ${migration.id} was changed after it was applied; add a new migration instead of editing it.`,
        );
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
