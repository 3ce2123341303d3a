import type { Database } from '../../src/db/database.js';

/**
 * Makes a real server slow for a real reason: a transaction of the test takes an ACCESS EXCLUSIVE
 * lock on `table` and keeps it, so every request that reads the table waits in the database
 * until `release` is called (on PGlite, whose one connection runs one transaction at a time,
 * every query waits). Resolves once the lock is held.
 */
export async function holdTableLock(db: Database, table: string): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const held = new Promise<void>((resolve) => {
    locked = resolve;
  });
  // `table` comes from the test's code, never from input.
  const transaction = db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    locked();
    await released;
  });
  // A failure to take the lock rejects here instead of leaving the test waiting.
  await Promise.race([held, transaction]);
  return {
    async release() {
      release();
      await transaction;
    },
  };
}
