// Runs `npm run bench:setup` (npm ci in bench/) when bench/ has no install yet, or one older than
// bench/package-lock.json; the root's `bench:build` calls it, so `npm run bench` works on a fresh clone.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const mtime = (relative) => statSync(new URL(relative, here), { throwIfNoEntry: false })?.mtimeMs;

const installed = mtime('node_modules/.package-lock.json');
if (installed === undefined || installed < mtime('package-lock.json')) {
  process.stderr.write('bench/: installing the benchmark dependencies (npm run bench:setup)\n');
  // Under npm, npm_execpath is npm's own CLI script; elsewhere, npm from the PATH.
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'bench:setup'], { stdio: 'inherit' })
    : spawnSync('npm', ['run', 'bench:setup'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = result.status ?? 1;
}
