import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { filesUnder } from './helpers/at-rest.js';
import { oneLine, PAVISE_BIN, runCli } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { vaultClient, writeSecrets } from './helpers/vault.js';

const NODE = process.execPath;
const PRINT_X = [NODE, '-e', 'process.stdout.write(String(process.env.X))'];

describe('pavise run', () => {
  let server: TestServer;
  let project: string;
  let work: string;
  let configDir: string;
  let env: Record<string, string>;
  const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;

  before(async () => {
    server = await startTestServer();
    const api = vaultClient(server, server.bootstrap!.pat);
    project = (await api.createProject('run-test')).id;
    await writeSecrets(api, project, 'production', { X: secret, OTHER: 'other-value' });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-run-'));
    configDir = path.join(work, 'config');
    env = {
      XTRA_TOKEN: server.bootstrap!.pat,
      XTRA_API_URL: `${server.url}/api`,
      PAVISE_CONFIG_DIR: configDir,
      XTRA_PROJECT_ID: '',
    };
  });
  after(async () => {
    await server?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('injects the secrets into the command, which wins over the inherited environment unless --no-override', async () => {
    const result = await runCli(['run', '--project', project, '--env', 'production', '--', ...PRINT_X], env, work);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, secret);
    assert.equal(result.stderr, '');

    const alias = await runCli(['run', '--env', 'prod', '--', ...PRINT_X], { ...env, XTRA_PROJECT_ID: project }, work);
    assert.equal(alias.stdout, secret, alias.stderr);

    const overridden = await runCli(
      ['run', '--project', project, '--env', 'production', '--', ...PRINT_X],
      { ...env, X: 'from-env' },
      work,
    );
    assert.equal(overridden.stdout, secret);
    const kept = await runCli(
      ['run', '--project', project, '--env', 'production', '--no-override', '--', ...PRINT_X],
      { ...env, X: 'from-env' },
      work,
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
      work,
    );
    assert.equal(literal.stdout, '$X; echo hi\n');
  });

  it('keeps the secrets out of its own environment, its arguments and the disk', {
    skip: process.platform !== 'linux' && 'needs /proc',
  }, async () => {
    // A preload in the pavise process only (not the command) dumps its process.env when it exits.
    const dump = path.join(work, 'pavise-env.json');
    const preload = path.join(work, 'dump-env.mjs');
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
      work,
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

    const files = (await filesUnder(work)).filter(({ name }) => name !== dump && name !== preload);
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
      runCli([...base, NODE, '-e', 'process.exit(7)'], env, work),
      runCli([...base, NODE, '-e', "process.kill(process.pid, 'SIGKILL')"], env, work),
      runCli([...base, 'pavise-no-such-command'], env, work),
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
            cwd: work,
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
      work,
    );
    assert.equal(unauthorized.code, 1);
    assert.equal(unauthorized.stdout, '');
    assert.match(oneLine(unauthorized.stderr), /^pavise: .*\(HTTP 401\)$/);
    assert.ok(!unauthorized.stderr.includes(badToken));

    const unknown = await runCli(
      ['run', '--project', 'no-such-project', '--env', 'production', '--', ...PRINT_X],
      env,
      work,
    );
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(oneLine(unknown.stderr), /^pavise: .*not found.*\(HTTP 404\)$/i);

    const noToken = await runCli(['run', '--project', project, '--', ...PRINT_X], { ...env, XTRA_TOKEN: '' }, work);
    assert.equal(noToken.code, 1);
    assert.match(oneLine(noToken.stderr), /XTRA_TOKEN.*--token/);
    const noProject = await runCli(['run', '--', ...PRINT_X], env, work);
    assert.equal(noProject.code, 1);
    assert.match(oneLine(noProject.stderr), /--project.*XTRA_PROJECT_ID/);
  });
});

describe('pavise run, offline', () => {
  let server: TestServer;
  let project: string;
  let work: string;
  let env: Record<string, string>;
  const secret = `offline-${randomBytes(12).toString('hex')}`;
  let serverOpen = false;

  before(async () => {
    server = await startTestServer();
    serverOpen = true;
    const api = vaultClient(server, server.bootstrap!.pat);
    project = (await api.createProject('offline-test')).id;
    await writeSecrets(api, project, 'production', { X: secret });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-offline-'));
    env = {
      XTRA_TOKEN: server.bootstrap!.pat,
      XTRA_API_URL: `${server.url}/api`,
      PAVISE_CONFIG_DIR: path.join(work, 'config'),
      XTRA_PROJECT_ID: project,
    };
  });
  after(async () => {
    if (serverOpen) await server.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('runs from the encrypted snapshot when the server is gone, and only with the same token', async () => {
    const args = ['run', '--env', 'production', '--', ...PRINT_X];
    const online = await runCli(args, env, work);
    assert.equal(online.code, 0, online.stderr);
    assert.equal(online.stdout, secret);

    await server.close();
    serverOpen = false;

    const fallback = await runCli(args, env, work);
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.equal(fallback.stdout, secret);
    assert.match(
      oneLine(fallback.stderr),
      /cannot reach the vault .*using the fallback snapshot from \S+ \(\d+ seconds? old\)/,
    );

    const offline = await runCli(['run', '--offline', '--env', 'production', '--', ...PRINT_X], env, work);
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(offline.stdout, secret);
    assert.match(oneLine(offline.stderr), /--offline: using the fallback snapshot/);

    const otherToken = { ...env, XTRA_TOKEN: 'pavise_pat_another-token-0123456789' };
    const wrongOffline = await runCli(['run', '--offline', '--env', 'production', '--', ...PRINT_X], otherToken, work);
    assert.equal(wrongOffline.code, 1);
    assert.equal(wrongOffline.stdout, '');
    assert.match(oneLine(wrongOffline.stderr), /cannot be decrypted with this token/);
    const wrongFallback = await runCli(args, otherToken, work);
    assert.equal(wrongFallback.code, 1);
    assert.match(oneLine(wrongFallback.stderr), /cannot reach the vault.*cannot be decrypted with this token/);

    const disabled = await runCli(['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X], env, work);
    assert.equal(disabled.code, 1);
    assert.equal(disabled.stdout, '');
    assert.match(oneLine(disabled.stderr), /cannot reach the vault/);

    const otherBranch = await runCli(
      ['run', '--offline', '--env', 'production', '--branch', 'feature', '--', ...PRINT_X],
      env,
      work,
    );
    assert.equal(otherBranch.code, 1);
    assert.match(oneLine(otherBranch.stderr), /no fallback snapshot for project .*branch feature/);
  });

  it('falls back on 5xx, 429 and timeouts but not on 401, 403 or 404', async () => {
    // A stand-in vault whose answer the test chooses: the real server cannot be made to fail on demand.
    let mode: 'ok' | 503 | 429 | 401 | 403 | 404 | 'hang' = 'ok';
    const seen: { url: string; authorization: string | undefined }[] = [];
    const stub = http.createServer((request, response) => {
      seen.push({ url: request.url!, authorization: request.headers.authorization });
      if (mode === 'hang') return;
      const status = mode === 'ok' ? 200 : mode;
      const body = mode === 'ok' ? { X: 'stub-secret' } : { error: `stub answered ${mode}` };
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(mode === 429 ? { 'retry-after': '30' } : {}),
      });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const snapshot = path.join(work, 'stub', 'snapshot.enc');
      const stubEnv = { ...env, XTRA_API_URL: `http://127.0.0.1:${(stub.address() as AddressInfo).port}/api` };
      const args = [
        'run',
        '--env',
        'production',
        '--branch',
        'main',
        '--fallback',
        snapshot,
        '--timeout',
        '0.5',
        '--',
        ...PRINT_X,
      ];

      const ok = await runCli(args, stubEnv, work);
      assert.equal(ok.stdout, 'stub-secret', ok.stderr);
      assert.deepEqual(seen[0], {
        url: `/api/projects/${project}/envs/production/secrets?branch=main`,
        authorization: `Bearer ${env.XTRA_TOKEN}`,
      });
      assert.equal((await fs.stat(snapshot)).mode & 0o777, 0o600);
      assert.ok(!(await fs.readFile(snapshot, 'utf8')).includes('stub-secret'));
      const untouched = path.join(work, 'untouched-config');
      const noFallback = await runCli(
        ['run', '--no-fallback', '--env', 'production', '--', ...PRINT_X],
        { ...stubEnv, PAVISE_CONFIG_DIR: untouched },
        work,
      );
      assert.equal(noFallback.stdout, 'stub-secret', noFallback.stderr);
      await assert.rejects(fs.stat(untouched), { code: 'ENOENT' }, '--no-fallback writes no snapshot');

      for (const failure of [503, 429, 'hang'] as const) {
        mode = failure;
        const result = await runCli(args, stubEnv, work);
        assert.equal(result.code, 0, `${failure}: ${result.stderr}`);
        assert.equal(result.stdout, 'stub-secret', String(failure));
        assert.match(oneLine(result.stderr), /using the fallback snapshot/, String(failure));
      }
      for (const answer of [401, 403, 404] as const) {
        mode = answer;
        const result = await runCli(args, stubEnv, work);
        assert.equal(result.code, 1, String(answer));
        assert.equal(result.stdout, '', String(answer));
        assert.equal(oneLine(result.stderr), `pavise: stub answered ${answer} (HTTP ${answer})`);
      }
    } finally {
      stub.closeAllConnections();
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});
