import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';

export interface ServerProcess {
  url: string;
  /** The child's process id, to read its CPU time from /proc. */
  pid: number;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * The environment a server under test runs with. Inherited PAVISE_*, DATABASE_URL, REDIS_URL and
 * NODE_ENV are dropped so a developer's shell cannot silently change what is measured.
 */
function childEnvironment(serverEnv: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('PAVISE_') && !['DATABASE_URL', 'REDIS_URL', 'NODE_ENV'].includes(name),
    ),
  );
  return { ...inherited, ...serverEnv };
}

/**
 * Starts `node <args>` as a separate process, as servers run in production, and waits for the
 * line "ready at http://127.0.0.1:<port>" on its stdout.
 */
export function startServerProcess(
  label: string,
  args: string[],
  serverEnv: Record<string, string>,
): Promise<ServerProcess> {
  // The working directory is a neutral one so that no .env file there fills in settings.
  const child = spawn(process.execPath, args, {
    env: childEnvironment(serverEnv),
    cwd: os.tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let pending = '';
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not report ready within ${STARTUP_TIMEOUT_MS / 1000} s:\n${stderr}${pending}`));
    }, STARTUP_TIMEOUT_MS);
    const onStartupOutput = (chunk: string) => {
      pending += chunk;
      const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(pending);
      if (!match) return;
      clearTimeout(timeout);
      // From here on the output is discarded, but still read: a full pipe would block the
      // server's writes and so the very requests being measured.
      child.stdout.off('data', onStartupOutput).on('data', () => {});
      pending = '';
      resolve({ url: match[1]!, pid: child.pid!, stop: () => stopServer(child, exited) });
    };
    child.stdout.setEncoding('utf8').on('data', onStartupOutput);
    child.once('error', reject);
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(new Error(`${label} exited with code ${code} before it was ready:\n${stderr}${pending}`));
    });
  });
}

/** SIGTERM for a graceful shutdown; SIGKILL if it has not exited within five seconds. */
async function stopServer(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
