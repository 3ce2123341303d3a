import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LANE, type TestDatabase } from './database.js';

export interface StoredFile {
  name: string;
  bytes: Buffer;
}

/** Every file under a directory, recursively, with its content. */
export async function filesUnder(dir: string): Promise<StoredFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  const names = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(names.map(async (name) => ({ name, bytes: await fs.readFile(name) })));
}

/**
 * What a test database holds at rest: every file of its data directory (PGlite's files, and
 * the generated keys), plus a dump of the PostgreSQL database in that lane.
 */
export async function storedBytes(database: TestDatabase): Promise<StoredFile[]> {
  const files = await filesUnder(database.dataDir);
  if (LANE === 'pglite') {
    assert.ok(files.length > 100, 'the PGlite data directory holds the database files');
    return files;
  }
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', database.databaseUrl!], {
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'buffer',
  });
  return [...files, { name: 'pg_dump', bytes: stdout }];
}
