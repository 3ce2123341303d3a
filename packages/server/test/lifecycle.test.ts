import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { request } from './helpers/http.js';
import { startServerProcess } from './helpers/process.js';
import { unless } from './helpers/requirements.js';
import { runSeedShell } from './helpers/seeds.js';
import { parseBootstrapBlock } from './helpers/server.js';

const noCurl = await unless('curl');

describe('first start, restart and graceful shutdown of `pavise serve`', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  let pat: string;
  let drainedEmails: string[] = [];

  it('prints the bootstrap block once on the first start, with a PAT that works with the seed curl', async (t) => {
    // Debug level logs each request's arrival, which the drain check below waits for.
    const server = await startServerProcess({ ...database.env, PAVISE_LOG_LEVEL: 'debug' });
    try {
      const printed = parseBootstrapBlock(server.stdout());
      assert.ok(printed, `no bootstrap block in:\n${server.stdout()}`);
      assert.equal(printed.email, 'admin@localhost');
      assert.match(server.stdout(), new RegExp(`curl -X POST "${server.url}/v1/signin/pat"`));
      pat = printed.pat;

      const health = await request(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(health.text, 'OK');
      const version = await request(`${server.url}/v1/version`);
      assert.match(version.body.version, /^\d+\.\d+\.\d+/);

      if (noCurl) t.diagnostic(`the seed's curl step is not run: ${noCurl}`);
      else {
        const exchanged = JSON.parse(await runSeedShell('001-step-2.sh', server.url, { YOUR_PAT: pat }));
        assert.equal(typeof exchanged.session.accessToken, 'string');
      }

      // A request in flight when SIGTERM arrives: its headers and half its body are sent first,
      // and the rest only once the server has begun shutting down. It must still complete.
      drainedEmails = ['drain@example.com'];
      const body = JSON.stringify({ email: drainedEmails[0], password: 'Drain-passw0rd-1' });
      const target = new URL(`${server.url}/v1/signup/email-password`);
      const inFlight = http.request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        inFlight.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        inFlight.on('error', reject);
      });
      inFlight.write(body.slice(0, 10));
      await server.waitFor(/"url":"\/v1\/signup\/email-password"[^\n]*"msg":"incoming request"/);
      const exited = server.stop('SIGTERM');
      await server.waitFor(/shutting down/);
      inFlight.end(body.slice(10));
      const finished = await response;
      assert.equal(finished.status, 200, finished.text);
      assert.equal(await exited, 0, server.stderr());
      const log = server.stdout();
      assert.ok(
        log.indexOf('shutting down') < log.lastIndexOf('"msg":"request completed"'),
        'the request completed after SIGTERM',
      );
      assert.match(log, /"msg":"stopped"/);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('prints no credentials on the next start and keeps all data', async () => {
    const server = await startServerProcess(database.env);
    try {
      assert.equal(parseBootstrapBlock(server.stdout()), undefined);
      assert.doesNotMatch(server.stdout(), /pavise_pat_/);
      const signIn = await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } });
      assert.equal(signIn.status, 200);
      for (const email of drainedEmails) {
        const response = await request(`${server.url}/v1/signin/email-password`, {
          body: { email, password: 'Drain-passw0rd-1' },
        });
        assert.equal(response.status, 200, email);
      }
      assert.equal(await server.stop('SIGINT'), 0);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});

describe('PAVISE_BOOTSTRAP', () => {
  it('=false starts on an empty database without creating an account', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, PAVISE_BOOTSTRAP: 'false' });
    try {
      assert.equal(parseBootstrapBlock(server.stdout()), undefined);
      const signIn = await request(`${server.url}/v1/signin/email-password`, {
        body: { email: 'admin@localhost', password: 'x' },
      });
      assert.equal(signIn.status, 401);
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  it('uses PAVISE_BOOTSTRAP_EMAIL for the owner account', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, PAVISE_BOOTSTRAP_EMAIL: 'Owner@Example.com' });
    try {
      assert.equal(parseBootstrapBlock(server.stdout())?.email, 'owner@example.com');
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Live processes (zombies are dead) as pid → parent pid, from POSIX `ps`. */
async function processTable(): Promise<Map<number, number>> {
  const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'stat=']);
  const table = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const [pid, ppid, stat] = line.trim().split(/\s+/);
    if (pid && ppid && !stat?.startsWith('Z')) table.set(Number(pid), Number(ppid));
  }
  return table;
}

/** The process and everything it started, however many shells are in between. */
async function processTree(root: number): Promise<number[]> {
  const table = await processTable();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of table) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

async function waitUntilGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const table = await processTable();
    const left = pids.filter((pid) => table.has(pid));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}

/** `npm start` in the repository, as a user (or Docker, or systemd) runs it; resolves once it is ready. */
async function npmStart(env: Record<string, string>): Promise<{ npm: ChildProcess; url: string; tree: number[] }> {
  const { DATABASE_URL: _, ...inherited } = process.env;
  const npm = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { ...inherited, PAVISE_PORT: '0', PAVISE_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not become ready:\n${output}`)), 60_000);
    npm.stdout!.on('data', () => {
      const ready = /ready at (http:\/\/[^"\s]+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    npm.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
    });
  });
  return { npm, url, tree: await processTree(npm.pid!) };
}

describe('`npm start` stops when told', () => {
  it('SIGTERM to npm stops the server and frees the data directory; a new npm start comes up on it', async () => {
    const database = await createTestDatabase();
    const lock = path.join(database.dataDir, 'pavise.pid');
    const started: number[] = [];
    try {
      const first = await npmStart(database.env);
      started.push(...first.tree);
      assert.ok(first.tree.length >= 2, 'npm started the server');
      if (!database.databaseUrl) assert.ok(existsSync(lock), 'the embedded database is locked while it runs');

      // What Docker, systemd or a process manager does: signal the process it started, npm.
      first.npm.kill('SIGTERM');
      assert.deepEqual(await waitUntilGone(first.tree, 5_000), [], 'no process of npm start is left after 5 s');
      assert.equal(existsSync(lock), false, 'the data directory lock is released');

      const second = await npmStart(database.env);
      started.push(...second.tree);
      assert.equal((await request(`${second.url}/healthz`)).status, 200);
      // npm killed outright passes no signal on: the server notices that its npm is gone.
      second.npm.kill('SIGKILL');
      assert.deepEqual(await waitUntilGone(second.tree, 5_000), [], 'the server stops when its npm is killed');
      assert.equal(existsSync(lock), false, 'the data directory lock is released');
    } finally {
      for (const pid of await waitUntilGone(started, 0)) process.kill(pid, 'SIGKILL');
      await database.drop();
    }
  });
});
