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

/**
 * Asserts that none of `values` was logged or is stored in clear: not in `logs`, not in any file
 * or dump of `database`. `inClear` is something the server does store in clear (an e-mail address,
 * a key name): the positive control that the scan reads what is stored.
 */
export async function assertNotInClear(
  database: TestDatabase,
  logs: string,
  values: string[],
  inClear: string,
): Promise<void> {
  assert.match(logs, /"msg":"request completed"/, 'the requests were logged');
  const stored = await storedBytes(database);
  assert.ok(
    stored.some(({ bytes }) => bytes.includes(inClear)),
    `positive control: the scan finds what is stored in clear (${inClear})`,
  );
  for (const value of values) {
    // Only the start of a value in a message: the test's credentials are not to be printed either.
    const what = `${value.slice(0, 12)}…`;
    assert.ok(!logs.includes(value), `${what} is in the logs`);
    for (const { name, bytes } of stored) assert.equal(bytes.indexOf(value), -1, `${what} is in clear in ${name}`);
  }
}
