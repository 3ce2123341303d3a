import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.js';
import type { Database, Queryable } from './database.js';
import { pgliteStartParams, useBaselineWasmCompiler } from './pglite-settings.js';

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

const INITDB_SCRIPT = fileURLToPath(new URL('./pglite-initdb.js', import.meta.url));

/**
 * Creates the PostgreSQL cluster `pgdata` in a child process. PGlite's initdb runs a second
 * PostgreSQL instance and the initdb program beside the one that is kept, and the memory they
 * held stays with the process that ran them (measured: some 550 MB, never given back); a child
 * takes it along when it exits, so a first start ends up as small as a restart. The cluster is
 * made beside `pgdata` and renamed into place, so an interrupted first start leaves no
 * half-made database behind, only a directory the next attempt replaces.
 */
async function initdbInChildProcess(pgdata: string): Promise<void> {
  const partial = `${pgdata}.initdb`;
  await fs.rm(partial, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [INITDB_SCRIPT, partial], {
      // The IPC channel closes when this process dies, and the child then stops too.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`creating the embedded database failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
  try {
    await fs.rename(partial, pgdata);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    throw new Error(`${pgdata} exists but holds no database (it has no PG_VERSION); move it away and start again`);
  }
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
    const pgdata = path.join(dataDir, 'pgdata');
    if (!existsSync(path.join(pgdata, 'PG_VERSION'))) await initdbInChildProcess(pgdata);
    useBaselineWasmCompiler();
    db = await PGlite.create({ dataDir: pgdata, startParams: pgliteStartParams(PGlite.defaultStartParams) });
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
