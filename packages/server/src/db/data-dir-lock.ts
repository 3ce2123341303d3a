import fs from 'node:fs/promises';
import path from 'node:path';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by another Pavise process (pid ${pid}). ` +
        'Stop that process first, point PAVISE_DATA_DIR at another directory, ' +
        'or use a shared PostgreSQL server through DATABASE_URL. ' +
        `(If no Pavise is running, process ${pid} is something else: delete ${dataDir}/pavise.pid.)`,
    );
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A PID file created exclusively; a stale one (its process is gone) is taken over. */
export async function acquireDataDirLock(dataDir: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(dataDir, 'pavise.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return {
        async release() {
          await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
        throw new DataDirInUseError(dataDir, pid);
      await fs.rm(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}
