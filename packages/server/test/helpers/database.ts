import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';

/**
 * Every test server gets a database of its own, in the lane the suite runs in: a PGlite
 * directory by default, or a database on the PostgreSQL server of DATABASE_URL.
 *
 * Migrating takes seconds and every suite starts several servers, so a database starts as a copy
 * of a template that holds the migrated schema: on PGlite a data directory migrated once and
 * copied, on PostgreSQL a template database (`CREATE DATABASE … TEMPLATE`). A template is named
 * by the hash of the migrations (and of PGlite's version), so it is made once and reused by every
 * test process until a migration changes; the first process to need it makes it, under a lock,
 * while the others wait. The migrations' own tests ask for an empty database instead.
 */
export const LANE: 'pglite' | 'postgres' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase {
  /** Environment variables that point Pavise at this database. */
  env: Record<string, string>;
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** An empty database, without the migrated schema (for tests of the migrations themselves). */
  empty?: boolean;
}

const TEMPLATE_WAIT_MS = 120_000;

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-test-'));
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    if (!options.empty) {
      await copyDirectory(await pgliteTemplate(), path.join(dataDir, 'pgdata'));
    }
    return {
      env: { PAVISE_DATA_DIR: dataDir },
      dataDir,
      databaseUrl: undefined,
      drop: () => fs.rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `pavise_test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? undefined : await postgresTemplate(adminUrl);
  await withClient(adminUrl, (admin) =>
    admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`),
  );
  const databaseUrl = databaseUrlFor(adminUrl, name);
  return {
    env: { PAVISE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    dataDir,
    databaseUrl,
    async drop() {
      await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Names the migrated schema: the migration files' contents, and the engine that stores them. */
async function templateKey(engine: string): Promise<string> {
  const hash = createHash('sha256').update(engine);
  for (const file of (await fs.readdir(MIGRATIONS_DIR)).sort()) {
    hash.update(file).update(await fs.readFile(path.join(MIGRATIONS_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** PGlite's version, from the package.json above its entry point (its exports hide the file). */
async function pgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return (JSON.parse(await fs.readFile(manifest, 'utf8')) as { version: string }).version;
}

let pgliteTemplatePath: Promise<string> | undefined;

/** The migrated PGlite data directory of this tree's migrations, made once per machine. */
function pgliteTemplate(): Promise<string> {
  pgliteTemplatePath ??= (async () => {
    const root = path.join(os.tmpdir(), 'pavise-test-templates');
    await fs.mkdir(root, { recursive: true });
    const key = await templateKey(`pglite ${await pgliteVersion()}`);
    const ready = path.join(root, key);
    const lock = `${ready}.lock`;
    const deadline = Date.now() + TEMPLATE_WAIT_MS;
    while (!(await exists(ready))) {
      if (await tryLock(lock)) {
        try {
          if (!(await exists(ready))) await makePgliteTemplate(ready);
        } finally {
          await fs.rm(lock, { recursive: true, force: true });
        }
        break;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process to make ${ready}`);
      await sleep(100); // another test process is making it: wait for the rename
    }
    return path.join(ready, 'pgdata');
  })();
  return pgliteTemplatePath;
}

async function makePgliteTemplate(ready: string): Promise<void> {
  const building = `${ready}.building-${process.pid}`;
  await fs.rm(building, { recursive: true, force: true });
  const db = await openPglite(building);
  try {
    await migrate(db);
    // Pavise never creates databases, so the copies need no template databases: without them
    // a copy is 26 MB instead of 41, and copying is most of what a test server's start costs.
    for (const statement of [
      "UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')",
      'DROP DATABASE template1', // one statement each: DROP DATABASE refuses a transaction block
      'DROP DATABASE template0',
      'CHECKPOINT',
    ]) {
      await db.query(statement);
    }
  } finally {
    await db.close();
  }
  // Only the database files: a copy must not inherit a lock or generated keys.
  await fs.rm(path.join(building, 'pavise.pid'), { force: true });
  await fs.rename(building, ready);
}

/** A lock directory; one left by a process that died long ago is taken over. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await fs.mkdir(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (await fs.stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > TEMPLATE_WAIT_MS) await fs.rm(lock, { recursive: true, force: true });
    return false;
  }
}

/** `cp -R`, about twice as fast as `fs.cp` on a data directory's thousand small files. */
async function copyDirectory(from: string, to: string): Promise<void> {
  if (process.platform === 'win32') return fs.cp(from, to, { recursive: true });
  await promisify(execFile)('cp', ['-R', from, to]);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

// Serialises the making of a template across test processes on one PostgreSQL server.
const TEMPLATE_LOCK_KEY = 7_345_120_099;

let postgresTemplateName: Promise<string> | undefined;

/** The migrated template database of this tree's migrations on the server of `adminUrl`. */
function postgresTemplate(adminUrl: string): Promise<string> {
  postgresTemplateName ??= (async () => {
    const name = `pavise_template_${await templateKey('postgres')}`;
    await withClient(adminUrl, async (admin) => {
      await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
      try {
        const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount) return;
        const building = `${name}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${building}`);
        const db = await openPostgres(databaseUrlFor(adminUrl, building), 1);
        try {
          await migrate(db);
        } finally {
          await db.close();
        }
        // Renamed only once complete: a template that exists is a whole one.
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } finally {
        await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
      }
    });
    return name;
  })();
  return postgresTemplateName;
}

function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
