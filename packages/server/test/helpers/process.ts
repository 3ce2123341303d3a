import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `pavise` executable as a user runs it (the bin shim of @pavise/server). */
export const PAVISE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/pavise.js');

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // The child must see only the lane's database settings the test chose, not the suite's own.
  const { DATABASE_URL: _, ...inherited } = process.env;
  return { ...inherited, PAVISE_LOG_FORMAT: 'json', ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The single line a CLI error prints (fails the test if there are more). */
export function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${text}`);
  return lines[0]!;
}

/** Runs `pavise <args>` to completion; `input`, when given, is its stdin (text, or bytes as they are). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  input?: string | Buffer,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PAVISE_BIN, ...args], {
      env: baseEnv(env),
      cwd,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches the pattern (or satisfies the predicate). */
  waitFor(pattern: RegExp | ((stdout: string) => boolean), timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `pavise serve` as a separate process and waits until it reports ready. */
export async function startServerProcess(
  env: Record<string, string>,
  cwd?: string,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [PAVISE_BIN, 'serve'], {
    env: baseEnv({ PAVISE_PORT: '0', ...env }),
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  type Pattern = RegExp | ((stdout: string) => boolean);
  const matches = (pattern: Pattern) => (typeof pattern === 'function' ? pattern(stdout) : pattern.test(stdout));
  const waiters: { pattern: Pattern; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      if (matches(waiter.pattern)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitFor = (pattern: Pattern, ms = timeoutMs) =>
    new Promise<void>((resolve, reject) => {
      if (matches(pattern)) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`)),
        ms,
      );
      waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void exited.then((code) =>
        reject(new Error(`server exited (${code}) before ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`)),
      );
    });

  await waitFor(/ready at http:\/\/[^"\s]+/);
  const url = /ready at (http:\/\/[^"\s]+)/.exec(stdout)![1]!;
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
