import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { filesUnder } from './helpers/at-rest.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { holdTableLock } from './helpers/db-lock.js';
import { oneLine, PAVISE_BIN, runCli } from './helpers/process.js';
import { startTestServer, TestClock, type TestServer } from './helpers/server.js';
import { suiteServer, suiteWorkDir } from './helpers/suite.js';
import { type VaultClient, vaultClient, writeSecrets } from './helpers/vault.js';

const NODE = process.execPath;

/** The environment `pavise run` reads: the server's PAT and URL, the project, a config directory in `work`. */
const cliEnv = (server: TestServer, work: string, project: string) => ({
  XTRA_TOKEN: server.bootstrap!.pat,
  XTRA_API_URL: `${server.url}/api`,
  PAVISE_CONFIG_DIR: path.join(work, 'config'),
  XTRA_PROJECT_ID: project,
});
const PRINT_X = [NODE, '-e', 'process.stdout.write(String(process.env.X))'];

describe('pavise run', () => {
  const server = suiteServer();
  let project: string;
  const work = suiteWorkDir('pavise-run-');
  let configDir: string;
  let env: Record<string, string>;
  const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;

  before(async () => {
    const api = vaultClient(server, server.bootstrap!.pat);
    project = (await api.createProject('run-test')).id;
    await writeSecrets(api, project, 'production', { X: secret, OTHER: 'other-value' });
    env = cliEnv(server, work.path, '');
    configDir = path.join(work.path, 'config');
  });

  it('injects the secrets into the command, which wins over the inherited environment unless --no-override', async () => {
    const result = await runCli(['run', '--project', project, '--env', 'production', '--', ...PRINT_X], env, work.path);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, secret);
    assert.equal(result.stderr, '');

    const alias = await runCli(
      ['run', '--env', 'prod', '--', ...PRINT_X],
      { ...env, XTRA_PROJECT_ID: project },
      work.path,
    );
    assert.equal(alias.stdout, secret, alias.stderr);

    const overridden = await runCli(
      ['run', '--project', project, '--env', 'production', '--', ...PRINT_X],
      { ...env, X: 'from-env' },
      work.path,
    );
    assert.equal(overridden.stdout, secret);
    const kept = await runCli(
      ['run', '--project', project, '--env', 'production', '--no-override', '--', ...PRINT_X],
      { ...env, X: 'from-env' },
      work.path,
    );
    assert.equal(kept.stdout, 'from-env');

    // No shell: arguments reach the command verbatim.
    const literal = await runCli(
      [
        'run',
        '--project',
        project,
        '--env',
        'production',
        '--',
        NODE,
        '-e',
        'console.log(process.argv[1])',
        '$X; echo hi',
      ],
      env,
      work.path,
    );
    assert.equal(literal.stdout, '$X; echo hi\n');
  });

  it('keeps the secrets out of its own environment, its arguments and the disk', {
    skip: process.platform !== 'linux' && 'needs /proc',
  }, async () => {
    // A preload in the pavise process only (not the command) dumps its process.env when it exits.
    const dump = path.join(work.path, 'pavise-env.json');
    const preload = path.join(work.path, 'dump-env.mjs');
    await fs.writeFile(
      preload,
      `import fs from 'node:fs';\nif (process.argv[1] && process.argv[1].endsWith('pavise.js')) process.on('exit', () => fs.writeFileSync(${JSON.stringify(dump)}, JSON.stringify(process.env)));\n`,
    );
    const probe = [
      "const fs = require('node:fs');",
      "const environ = fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8');",
      "const cmdline = fs.readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8');",
      'const value = process.env.X;',
      'console.log(JSON.stringify({ child: typeof value === "string" && value.length > 0, parentIsPavise: cmdline.includes("pavise.js"), parentEnviron: environ.includes(value), parentArgv: cmdline.includes(value) }));',
    ].join('\n');
    const result = await runCli(
      ['run', '--project', project, '--env', 'production', '--', NODE, '-e', probe],
      { ...env, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` },
      work.path,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      child: true,
      parentIsPavise: true,
      parentEnviron: false,
      parentArgv: false,
    });

    const ownEnv = JSON.parse(await fs.readFile(dump, 'utf8')) as Record<string, string>;
    assert.equal(ownEnv.XTRA_TOKEN, server.bootstrap!.pat, 'the dump is of the pavise process');
    assert.equal(ownEnv.X, undefined);
    assert.equal(ownEnv.OTHER, undefined);
    assert.ok(!Object.values(ownEnv).some((value) => value.includes(secret)), 'process.env of pavise holds a secret');

    const files = (await filesUnder(work.path)).filter(({ name }) => name !== dump && name !== preload);
    const snapshots = files.filter(
      ({ name }) => name.startsWith(path.join(configDir, 'fallback')) && name.endsWith('.enc'),
    );
    assert.equal(snapshots.length, 1, 'one snapshot for one project/env/branch');
    assert.match(path.basename(snapshots[0]!.name), /^[0-9a-f]{64}\.enc$/);
    assert.equal((await fs.stat(snapshots[0]!.name)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.join(configDir, 'fallback'))).mode & 0o777, 0o700);
    assert.ok(!files.some(({ name }) => name.endsWith('.tmp')), 'no temporary file left behind');
    for (const { name, bytes } of files) {
      assert.ok(!bytes.includes(secret), `${name} holds the secret in plaintext`);
      assert.ok(!bytes.includes('other-value'), `${name} holds a secret in plaintext`);
      assert.ok(!bytes.includes(server.bootstrap!.pat), `${name} holds the token`);
    }
  });

  it("exits with the command's exit code, 128 + the signal when a signal ended it, 127 when there is no such command", async () => {
    const base = ['run', '--project', project, '--env', 'production', '--'];
    const [seven, killed, missing] = await Promise.all([
      runCli([...base, NODE, '-e', 'process.exit(7)'], env, work.path),
      runCli([...base, NODE, '-e', "process.kill(process.pid, 'SIGKILL')"], env, work.path),
      runCli([...base, 'pavise-no-such-command'], env, work.path),
    ]);
    assert.equal(seven.code, 7, seven.stderr);
    assert.equal(killed.code, 128 + os.constants.signals.SIGKILL, killed.stderr);
    assert.equal(missing.code, 127);
    assert.match(oneLine(missing.stderr), /command not found: pavise-no-such-command/);
  });

  it('forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the command', async () => {
    const trap = (signal: string) =>
      // Ends itself (99) if the signal never arrives, so a broken forwarder fails the test instead of hanging it.
      `process.on('${signal}', () => { console.log('child got ${signal}'); process.exit(42); }); console.log('ready'); setTimeout(() => process.exit(99), 10000);`;
    await Promise.all(
      (['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const).map(async (signal) => {
        const child = spawn(
          NODE,
          [PAVISE_BIN, 'run', '--project', project, '--env', 'production', '--', NODE, '-e', trap(signal)],
          {
            env: { ...process.env, ...env },
            cwd: work.path,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk) => {
            stdout += chunk;
            if (stdout.includes('ready')) resolve();
          });
          void exited.then(() => reject(new Error(`pavise exited before the command was ready: ${stderr}`)));
        });
        child.kill(signal);
        assert.equal(await exited, 42, `${signal}: ${stderr}`);
        assert.match(stdout, new RegExp(`child got ${signal}`));
      }),
    );
  });

  it('fails with one line for a bad token or an unknown project, and runs nothing', async () => {
    const badToken = 'pavise_pat_not-a-real-token-0123456789';
    const unauthorized = await runCli(
      ['run', '--project', project, '--env', 'production', '--', ...PRINT_X],
      { ...env, XTRA_TOKEN: badToken },
      work.path,
    );
    assert.equal(unauthorized.code, 1);
    assert.equal(unauthorized.stdout, '');
    assert.match(oneLine(unauthorized.stderr), /^pavise: .*\(HTTP 401\)$/);
    assert.ok(!unauthorized.stderr.includes(badToken));

    const unknown = await runCli(
      ['run', '--project', 'no-such-project', '--env', 'production', '--', ...PRINT_X],
      env,
      work.path,
    );
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(oneLine(unknown.stderr), /^pavise: .*not found.*\(HTTP 404\)$/i);

    const noToken = await runCli(
      ['run', '--project', project, '--', ...PRINT_X],
      { ...env, XTRA_TOKEN: '' },
      work.path,
    );
    assert.equal(noToken.code, 1);
    assert.match(oneLine(noToken.stderr), /XTRA_TOKEN.*--token/);
    const noProject = await runCli(['run', '--', ...PRINT_X], env, work.path);
    assert.equal(noProject.code, 1);
    assert.match(oneLine(noProject.stderr), /--project.*XTRA_PROJECT_ID/);
  });
});

describe('pavise run, offline', () => {
  let server: TestServer;
  let project: string;
  const work = suiteWorkDir('pavise-offline-');
  let env: Record<string, string>;
  const secret = `offline-${randomBytes(12).toString('hex')}`;
  let serverOpen = false;

  before(async () => {
    server = await startTestServer();
    serverOpen = true;
    const api = vaultClient(server, server.bootstrap!.pat);
    project = (await api.createProject('offline-test')).id;
    await writeSecrets(api, project, 'production', { X: secret });
    env = cliEnv(server, work.path, project);
  });
  after(async () => {
    if (serverOpen) await server.close();
  });

  it('runs from the encrypted snapshot when the server is gone, and only with the same token', async () => {
    const args = ['run', '--env', 'production', '--', ...PRINT_X];
    const online = await runCli(args, env, work.path);
    assert.equal(online.code, 0, online.stderr);
    assert.equal(online.stdout, secret);

    await server.close();
    serverOpen = false;

    const fallback = await runCli(args, env, work.path);
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.equal(fallback.stdout, secret);
    assert.match(
      oneLine(fallback.stderr),
      /cannot reach the vault .*using the fallback snapshot from \S+ \(\d+ seconds? old\)/,
    );

    const offline = await runCli(['run', '--offline', '--env', 'production', '--', ...PRINT_X], env, work.path);
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(offline.stdout, secret);
    assert.match(oneLine(offline.stderr), /--offline: using the fallback snapshot/);

    const otherToken = { ...env, XTRA_TOKEN: 'pavise_pat_another-token-0123456789' };
    const wrongOffline = await runCli(
      ['run', '--offline', '--env', 'production', '--', ...PRINT_X],
      otherToken,
      work.path,
    );
    assert.equal(wrongOffline.code, 1);
    assert.equal(wrongOffline.stdout, '');
    assert.match(oneLine(wrongOffline.stderr), /cannot be decrypted with this token/);
    const wrongFallback = await runCli(args, otherToken, work.path);
    assert.equal(wrongFallback.code, 1);
    assert.match(oneLine(wrongFallback.stderr), /cannot reach the vault.*cannot be decrypted with this token/);

    const disabled = await runCli(['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X], env, work.path);
    assert.equal(disabled.code, 1);
    assert.equal(disabled.stdout, '');
    assert.match(oneLine(disabled.stderr), /cannot reach the vault/);

    const otherBranch = await runCli(
      ['run', '--offline', '--env', 'production', '--branch', 'feature', '--', ...PRINT_X],
      env,
      work.path,
    );
    assert.equal(otherBranch.code, 1);
    assert.match(oneLine(otherBranch.stderr), /no fallback snapshot for project .*branch feature/);
  });
});

// The fallback rules (docs/contracts.md §9): `run` falls back to its snapshot when the vault cannot
// answer (stopped: above; slow, rate-limited, failing: below) and never when it answered no
// (401, 403, 404). Each case is a real server in that state, and each refusal happens with a
// snapshot in place that the same token can read, so a rule that fell back too eagerly would
// run the command with the secret and fail the test.

/** `pavise run` for production on `branch` with an explicit snapshot file. */
function runArgs(snapshot: string, options: { branch?: string; timeout?: string; offline?: boolean } = {}): string[] {
  return [
    'run',
    ...(options.offline ? ['--offline'] : []),
    '--env',
    'production',
    '--branch',
    options.branch ?? 'main',
    '--fallback',
    snapshot,
    '--timeout',
    options.timeout ?? '30',
    '--',
    ...PRINT_X,
  ];
}

/**
 * A successful run against the reachable vault, which writes the snapshot; then checks that the
 * snapshot is private, encrypted, and readable with this token (so a fallback would have worked).
 */
async function takeSnapshot(
  env: Record<string, string>,
  work: string,
  snapshot: string,
  expected: string,
  branch = 'main',
): Promise<void> {
  const online = await runCli(runArgs(snapshot, { branch }), env, work);
  assert.equal(online.code, 0, online.stderr);
  assert.equal(online.stdout, expected);
  assert.equal(online.stderr, '', 'a fetch from the vault warns of nothing');
  assert.equal((await fs.stat(snapshot)).mode & 0o777, 0o600);
  const text = await fs.readFile(snapshot, 'utf8');
  assert.ok(!text.includes(expected), 'the snapshot holds the secret in plaintext');
  assert.ok(!text.includes(env.XTRA_TOKEN!), 'the snapshot holds the token');
  const offline = await runCli(runArgs(snapshot, { branch, offline: true }), env, work);
  assert.equal(offline.code, 0, offline.stderr);
  assert.equal(offline.stdout, expected, 'the snapshot is readable with this token');
}

const FELL_BACK = /; using the fallback snapshot from \S+ \(\d+ seconds? old\)$/;

describe('pavise run against a real vault that is slow or says no', () => {
  const server = suiteServer();
  let owner: VaultClient;
  let project: string;
  const work = suiteWorkDir('pavise-rules-');
  let env: Record<string, string>;
  const secret = `real-${randomBytes(12).toString('hex')}`;
  const featureSecret = `feature-${randomBytes(12).toString('hex')}`;

  before(async () => {
    owner = vaultClient(server, server.bootstrap!.pat);
    project = (await owner.createProject('fallback-rules')).id;
    await writeSecrets(owner, project, 'production', { X: secret });
    assert.equal((await owner.createBranch(project, 'feature')).status, 201);
    await writeSecrets(owner, project, 'production', { X: featureSecret }, { branch: 'feature' });
    env = cliEnv(server, work.path, project);
  });

  /** A read-only service-account key of the project, as a CLI environment. */
  async function serviceAccountEnv(
    name: string,
  ): Promise<{ env: Record<string, string>; accountId: string; keyId: string }> {
    const account = await owner.createServiceAccount(project, { name, permissions: ['read:secrets'] });
    assert.equal(account.status, 201, account.text);
    const key = await owner.createKey(project, account.body.id);
    assert.equal(key.status, 201, key.text);
    return { env: { ...env, XTRA_TOKEN: key.body.key }, accountId: account.body.id, keyId: key.body.id };
  }

  it('asks the vault for the project, environment and branch, keeps an encrypted snapshot, and none with --no-fallback', async () => {
    const snapshot = path.join(work.path, 'fetched', 'snapshot.enc');
    await takeSnapshot(env, work.path, snapshot, secret);
    const reads = server
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; req?: { method?: string; url?: string }; statusCode?: number })
      .filter(({ msg, req }) => msg === 'request completed' && req?.method === 'GET')
      .map(({ req, statusCode }) => ({ url: req!.url, statusCode }));
    // The log keeps the names of query parameters, not their values.
    assert.deepEqual(reads, [{ url: `/api/projects/${project}/envs/production/secrets?branch=…`, statusCode: 200 }]);
    // The branch reaches the server: the feature branch answers with its own value.
    await takeSnapshot(env, work.path, path.join(work.path, 'fetched', 'feature.enc'), featureSecret, 'feature');

    const untouched = path.join(work.path, 'untouched-config');
    const noFallback = await runCli(
      ['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X],
      { ...env, PAVISE_CONFIG_DIR: untouched },
      work.path,
    );
    assert.equal(noFallback.code, 0, noFallback.stderr);
    assert.equal(noFallback.stdout, secret);
    await assert.rejects(fs.stat(untouched), { code: 'ENOENT' }, '--no-fallback writes no snapshot');
  });

  it('falls back when the vault is too slow to answer: the request waits on a lock in its database', async () => {
    const snapshot = path.join(work.path, 'slow', 'snapshot.enc');
    await takeSnapshot(env, work.path, snapshot, secret);

    const lock = await holdTableLock(server.pavise.db, 'vault.projects');
    let slow: Awaited<ReturnType<typeof runCli>>;
    let refused: Awaited<ReturnType<typeof runCli>>;
    try {
      [slow, refused] = await Promise.all([
        runCli(runArgs(snapshot, { timeout: '0.5' }), env, work.path),
        runCli(['run', '--no-fallback', '--env', 'production', '--timeout', '0.5', '--', ...PRINT_X], env, work.path),
      ]);
    } finally {
      await lock.release();
    }
    assert.equal(slow.code, 0, slow.stderr);
    assert.equal(slow.stdout, secret);
    assert.match(oneLine(slow.stderr), /^pavise: the vault at \S+ did not answer within 0\.5 s \(GET [^)]+\)/);
    assert.match(oneLine(slow.stderr), FELL_BACK);
    assert.equal(refused.code, 1, 'without the snapshot the slow vault is an error');
    assert.equal(refused.stdout, '');
    assert.match(oneLine(refused.stderr), /did not answer within 0\.5 s/);

    // The lock was what made it slow: without it the same server answers at once.
    const again = await runCli(runArgs(snapshot, { timeout: '0.5' }), env, work.path);
    assert.equal(again.stdout, secret, again.stderr);
    assert.equal(again.stderr, '');
  });

  it('does not fall back on 401, 403 or 404, though a snapshot this token can read is there', async () => {
    // 401: a service-account key revoked after its snapshot was taken.
    const revoked = await serviceAccountEnv('revoked-later');
    const snapshot401 = path.join(work.path, 'refused', '401.enc');
    await takeSnapshot(revoked.env, work.path, snapshot401, secret);
    assert.equal((await owner.revokeKey(project, revoked.accountId, revoked.keyId)).status, 200);

    // 403: a service account narrowed to write:secrets after its snapshot was taken (the API has
    // no call that changes an account's permissions, so the row is changed as an admin would).
    const narrowed = await serviceAccountEnv('narrowed-later');
    const snapshot403 = path.join(work.path, 'refused', '403.enc');
    await takeSnapshot(narrowed.env, work.path, snapshot403, secret);
    await server.pavise.db.query('UPDATE vault.service_accounts SET permissions = $2 WHERE id = $1', [
      narrowed.accountId,
      ['write:secrets'],
    ]);

    // 404: a branch deleted after its snapshot was taken.
    assert.equal((await owner.createBranch(project, 'short-lived')).status, 201);
    const snapshot404 = path.join(work.path, 'refused', '404.enc');
    await takeSnapshot(env, work.path, snapshot404, secret, 'short-lived');
    assert.equal((await owner.deleteBranch(project, 'short-lived')).status, 200);

    const cases = [
      {
        status: 401,
        result: await runCli(runArgs(snapshot401), revoked.env, work.path),
        message:
          'The token is invalid, expired or revoked: send a valid personal access token, access token or service-account key',
      },
      {
        status: 403,
        result: await runCli(runArgs(snapshot403), narrowed.env, work.path),
        message: 'This service account may not read secrets: its permissions are write:secrets',
      },
      {
        status: 404,
        result: await runCli(runArgs(snapshot404, { branch: 'short-lived' }), env, work.path),
        message: `Branch 'short-lived' not found in project ${project}`,
      },
    ];
    for (const { status, result, message } of cases) {
      assert.equal(result.code, 1, `${status}: ${result.stderr}`);
      assert.equal(result.stdout, '', `${status}: the command did not run`);
      assert.equal(oneLine(result.stderr), `pavise: ${message} (HTTP ${status})`);
    }
  });
});

describe('pavise run against a real vault that rate-limits (PAVISE_RATE_LIMIT_VAULT=1/60)', () => {
  const clock = new TestClock();
  const WINDOWS = 2 * 60_000; // past the sliding window: the limiter counts afresh
  const server = suiteServer({ PAVISE_RATE_LIMIT_VAULT: '1/60' }, { clock });
  const work = suiteWorkDir('pavise-limited-');
  let env: Record<string, string>;
  const secret = `limited-${randomBytes(12).toString('hex')}`;

  before(async () => {
    const owner = vaultClient(server, server.bootstrap!.pat);
    // One request per window is all the owner gets: the clock moves past the window after each.
    const project = (await owner.createProject('rate-limited')).id;
    clock.advance(WINDOWS);
    await writeSecrets(owner, project, 'production', { X: secret });
    clock.advance(WINDOWS);
    env = cliEnv(server, work.path, project);
  });

  it('falls back on the 429 of the limiter, and fetches again once the window has passed', async () => {
    const snapshot = path.join(work.path, 'snapshot.enc');
    const online = await runCli(runArgs(snapshot), env, work.path);
    assert.equal(online.code, 0, online.stderr);
    assert.equal(online.stdout, secret);
    assert.equal(online.stderr, '');

    // The clock stands still: the window's one request is spent.
    const limited = await runCli(runArgs(snapshot), env, work.path);
    assert.equal(limited.code, 0, limited.stderr);
    assert.equal(limited.stdout, secret);
    assert.match(
      oneLine(limited.stderr),
      /^pavise: Too Many Requests.*\(HTTP 429; retry after \d+ s\); using the fallback/,
    );
    assert.match(oneLine(limited.stderr), FELL_BACK);
    const refused = await runCli(['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X], env, work.path);
    assert.equal(refused.code, 1, 'without the snapshot the 429 is an error');
    assert.equal(refused.stdout, '');
    assert.match(oneLine(refused.stderr), /\(HTTP 429; retry after \d+ s\)$/);

    clock.advance(WINDOWS);
    const later = await runCli(runArgs(snapshot), env, work.path);
    assert.equal(later.stdout, secret, later.stderr);
    assert.equal(later.stderr, '', 'a new window: fetched from the vault again');
  });
});

describe('pavise run against a real vault that fails (5xx)', () => {
  let database: TestDatabase;
  let first: TestServer | undefined;
  let second: TestServer | undefined;
  const work = suiteWorkDir('pavise-failing-');

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('falls back on a 500: the server was restarted without the master key of the project', async () => {
    const secret = `failing-${randomBytes(12).toString('hex')}`;
    first = await startTestServer({ PAVISE_MASTER_KEY: randomBytes(32).toString('hex') }, database);
    const pat = first.bootstrap!.pat;
    const project = (await vaultClient(first, pat).createProject('failing')).id;
    await writeSecrets(vaultClient(first, pat), project, 'production', { X: secret });
    const env = cliEnv(first, work.path, project);
    const snapshot = path.join(work.path, 'snapshot.enc');
    await takeSnapshot(env, work.path, snapshot, secret);
    await first.close();
    first = undefined;

    // The same database, another master key: the project's data key cannot be unwrapped.
    second = await startTestServer({ PAVISE_MASTER_KEY: randomBytes(32).toString('hex') }, database);
    const direct = await vaultClient(second, pat).read(project, 'production');
    assert.equal(direct.status, 500, direct.text);
    const failing = { ...env, XTRA_API_URL: `${second.url}/api` };

    const result = await runCli(runArgs(snapshot), failing, work.path);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, secret);
    assert.match(
      oneLine(result.stderr),
      /^pavise: the vault at \S+ failed: The server cannot decrypt this project.*\(HTTP 500\); using the fallback/,
    );
    assert.match(oneLine(result.stderr), FELL_BACK);
    const refused = await runCli(['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X], failing, work.path);
    assert.equal(refused.code, 1, 'without the snapshot the 500 is an error');
    assert.equal(refused.stdout, '');
    assert.match(oneLine(refused.stderr), /\(HTTP 500\)$/);
  });
});
