// Loaded by the bin shim before the compiled CLI: rebuilds dist/ when it is missing or older than
// the sources, so `npm start` and `npx pavise …` never run stale code and never pay for a build
// they do not need. The check costs a stat per source file (about 140) and loads no TypeScript.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(packageDir, 'dist');
// tsc -b writes it at the end of every build that emitted anything: the time of the last build.
const buildInfo = path.join(dist, '.tsbuildinfo');
const entry = path.join(dist, 'src', 'cli', 'main.js');
const lockDir = path.join(dist, '.rebuild.lock');
// What the compiled code depends on. migrations/ is read at run time, and test/ and bench/ are
// not part of the CLI, so neither makes a build stale.
const sources = [path.join(packageDir, 'src')];
const configs = [path.join(packageDir, 'tsconfig.json'), path.join(packageDir, '..', '..', 'tsconfig.base.json')];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification time in the tree: files, and directories (a file added or removed). */
function newest(dir) {
  let latest = mtime(dir) ?? 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : (mtime(full) ?? 0));
  }
  return latest;
}

/** When the sources last changed (0 for an installed build that came without them). */
function sourcesChanged() {
  const existing = sources.filter((dir) => fs.existsSync(dir));
  if (existing.length === 0) return 0;
  return Math.max(...existing.map(newest), ...configs.map((file) => mtime(file) ?? 0));
}

/** Why dist/ must be rebuilt, or undefined when it is up to date. */
function staleness() {
  const built = mtime(buildInfo);
  if (built === undefined || !fs.existsSync(entry)) return 'no build found; building';
  return sourcesChanged() > built ? 'sources changed since the last build; rebuilding' : undefined;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function holderGone() {
  const pid = Number.parseInt(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

/** One rebuild at a time: processes started together wait for the first one's build. */
function withLock(work) {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code === 'ENOENT' && !fs.existsSync(dist)) {
        fs.mkdirSync(dist, { recursive: true });
        continue;
      }
      if (error.code !== 'EEXIST') throw error;
      let abandoned;
      try {
        abandoned = holderGone();
      } catch {
        // No pid yet: the holder is between its two steps, unless it died there long ago.
        abandoned = Date.now() - (mtime(lockDir) ?? Date.now()) > 10_000;
      }
      if (abandoned || Date.now() > deadline) fs.rmSync(lockDir, { recursive: true, force: true });
      else sleep(100);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function findTsc() {
  try {
    const require = createRequire(path.join(packageDir, 'package.json'));
    return path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    return undefined;
  }
}

/** Builds dist/ if it is stale; exits the process when it cannot. */
export function ensureBuilt() {
  if (!staleness()) return;
  const failure = withLock(rebuild);
  if (failure) {
    process.stderr.write(`pavise: ${failure}\n`);
    process.exit(1);
  }
}

/** Returns why it failed, or undefined. */
function rebuild() {
  const reason = staleness(); // another process may have built it while this one waited
  if (!reason) return undefined;
  const tsc = findTsc();
  if (!tsc) {
    if (!fs.existsSync(entry)) return 'there is no build and TypeScript is not installed: run npm install';
    process.stderr.write(
      `pavise: ${reason.split(';')[0]}, but TypeScript is not installed; running the existing build\n`,
    );
    return undefined;
  }
  // Progress and compiler errors go to stderr: stdout belongs to the command (--json output).
  process.stderr.write(`pavise: ${reason} (tsc -b)…\n`);
  const result = spawnSync(process.execPath, [tsc, '-b', packageDir], { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    // tsc still writes its outputs when the types do not check: age the build so that the next
    // start tries again instead of running it.
    if (fs.existsSync(buildInfo)) fs.utimesSync(buildInfo, 0, 0);
    return 'the build failed (see above); fix it, or run npm run build to see it again';
  }
  // A source touched without a change makes tsc -b write nothing: mark the build as current.
  if (staleness()) {
    const time = Math.max(Date.now(), sourcesChanged()) / 1000;
    fs.utimesSync(buildInfo, time, time);
  }
  return undefined;
}
