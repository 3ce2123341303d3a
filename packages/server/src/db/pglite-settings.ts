import v8 from 'node:v8';

/**
 * PostgreSQL settings of the embedded database, passed at every start on top of PGlite's own
 * start parameters (they override postgresql.conf, and nothing is written to the data directory).
 *
 * - shared_buffers: initdb picks 128 MB, and PostgreSQL zeroes its shared memory at every start
 *   (about 0.5 s in WebAssembly) and keeps it resident. PGlite reads pages through the operating
 *   system's page cache, so a small buffer pool costs a system call on a miss, not a disk read.
 * - max_connections: PGlite runs one backend; 100 slots only size lock and process tables.
 */
const SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  max_connections: '10',
};

export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...Object.entries(SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

let compilerChosen = false;

/**
 * Runs PGlite's WebAssembly on V8's baseline compiler (Liftoff) only. By default V8 also
 * recompiles hot functions with its optimising compiler on background threads; for PostgreSQL's
 * code that takes both cores of a small machine for about a second after every start (the start
 * itself waits for the CPU) and keeps some 70 MB of extra machine code resident. Measured on two
 * cores: start-up and the first queries twice as fast, RSS 70 MB lower; a tight loop of SQL
 * statements 20-30 % slower once warm, and HTTP requests within the noise.
 *
 * V8 reads the flag when it compiles a module, so this runs before PGlite's is compiled; it is
 * process-wide. Whoever starts node with an explicit WebAssembly tiering flag
 * (`node --no-liftoff-only …`) keeps their choice.
 */
export function useBaselineWasmCompiler(): void {
  if (compilerChosen) return;
  compilerChosen = true;
  if (process.execArgv.some((arg) => /^--(no-)?(liftoff|wasm-tier|wasm-dynamic-tiering)/.test(arg))) return;
  v8.setFlagsFromString('--liftoff-only');
}
