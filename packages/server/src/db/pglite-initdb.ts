import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams, useBaselineWasmCompiler } from './pglite-settings.js';

/**
 * `node pglite-initdb.js <directory>`: creates a PostgreSQL cluster in the directory with PGlite
 * and exits. openPglite runs it in a child process so that the memory initdb leaves behind goes
 * away with the child.
 */
const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node pglite-initdb.js <directory>\n');
  process.exit(2);
}
// Spawned with an IPC channel: when the parent dies, it closes, and there is nobody to wait for.
process.on('disconnect', () => process.exit(1));
useBaselineWasmCompiler();
const db = await PGlite.create({ dataDir: directory, startParams: pgliteStartParams(PGlite.defaultStartParams) });
await db.close();
process.exit(0);
