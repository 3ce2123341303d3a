import pg from 'pg';
import { benchAdminUrl, createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * What every benchmark script shares: a scratch database for the run, clean-ups that run however
 * the run ends (Ctrl-C included), the scratch database dropped last, and a failure reported with
 * a non-zero exit code.
 */
export interface BenchRun {
  scratch: ScratchDatabase;
  /** Registers a clean-up (a server to stop, a connection to close); they run last-in first-out. */
  defer(cleanUp: () => unknown): void;
}

export function runBench(work: (run: BenchRun) => Promise<void>): void {
  void (async () => {
    const scratch = await createScratchDatabase(benchAdminUrl());
    const cleanUps: Array<() => unknown> = [];
    const cleanUp = async () => {
      while (cleanUps.length > 0)
        await Promise.resolve()
          .then(cleanUps.pop()!)
          .catch(() => {});
      // Reported rather than thrown, so it cannot hide the error that brought us here.
      await scratch.drop().catch((error: unknown) => {
        process.stderr.write(`could not drop the scratch database: ${message(error)}\n`);
        process.exitCode = 1;
      });
    };
    const onSigint = () => {
      process.stderr.write('interrupted: cleaning up\n');
      void cleanUp().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    try {
      await work({ scratch, defer: (fn) => cleanUps.push(fn) });
    } finally {
      process.off('SIGINT', onSigint);
      await cleanUp();
    }
  })().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}

/**
 * `work` with a pool of `max` connections of its own, closed afterwards: a baseline run holds no
 * connections while the server is measured.
 */
export async function withPool<T>(url: string, max: number, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max });
  // A dropped connection (Ctrl-C drops the scratch database under a running baseline) must not
  // crash the process: idle clients report to the pool, busy ones to themselves (their query fails).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
