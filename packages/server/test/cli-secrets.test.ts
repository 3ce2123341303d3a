import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLine, runCli } from './helpers/process.js';
import { suiteServer, suiteWorkDir } from './helpers/suite.js';

describe('pavise secrets', () => {
  const server = suiteServer();
  let project: string;
  const work = suiteWorkDir('pavise-secrets-');
  let env: Record<string, string>;
  const databaseUrl = 'postgres://app:p=ss@db.internal:5432/app?sslmode=require';

  const cli = (...args: string[]) => runCli(['secrets', ...args], env, work.path);
  const viaHttp = async (envName: string, branch = 'main') => {
    const response = await server.call(`/api/projects/${project}/envs/${envName}/secrets?branch=${branch}`, {
      token: server.bootstrap!.pat,
    });
    assert.equal(response.status, 200, response.text);
    return response.body as Record<string, string>;
  };

  before(async () => {
    const created = await server.call('/api/project', { token: server.bootstrap!.pat, body: { name: 'secrets-cli' } });
    assert.equal(created.status, 201, created.text);
    project = created.body.id;
    env = {
      XTRA_TOKEN: server.bootstrap!.pat,
      XTRA_API_URL: `${server.url}/api`,
      XTRA_PROJECT_ID: project,
      PAVISE_CONFIG_DIR: path.join(work.path, 'config'),
    };
  });

  it('sets, lists, gets, versions, deletes', async () => {
    const set = await cli('set', `DATABASE_URL=${databaseUrl}`, 'API_KEY=k1', '--env', 'staging');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Set 2 secrets in project .*staging.*API_KEY \(version 1\)/);
    assert.deepEqual(await viaHttp('staging'), { DATABASE_URL: databaseUrl, API_KEY: 'k1' });
    assert.deepEqual(await viaHttp('development'), {}, 'only the chosen environment is written');

    const list = await cli('list', '--env', 'staging');
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'API_KEY\nDATABASE_URL\n', 'names only, sorted');
    const values = await cli('list', '--env', 'staging', '--values');
    assert.equal(values.stdout, `API_KEY=k1\nDATABASE_URL=${databaseUrl}\n`);
    const json = await cli('list', '--env', 'stg', '--json');
    assert.deepEqual(JSON.parse(json.stdout), { DATABASE_URL: databaseUrl, API_KEY: 'k1' });

    const get = await cli('get', 'DATABASE_URL', '--env', 'staging');
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, databaseUrl, 'the value alone, for $(…)');
    const getJson = await cli('get', 'API_KEY', '--env', 'staging', '--json');
    assert.equal(JSON.parse(getJson.stdout).version, 1);

    const update = await cli('set', 'API_KEY=k2', '--expected-version', '1', '--env', 'staging');
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stdout, /API_KEY \(version 2\)/);
    const conflict = await cli('set', 'API_KEY=k3', '--expected-version', '1', '--env', 'staging');
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /^pavise: .*\(HTTP 409\)\n/);
    assert.match(conflict.stderr, /API_KEY: expected version 1, current version 2/);
    assert.equal((await viaHttp('staging')).API_KEY, 'k2', 'a conflict writes nothing');
    const mustNotExist = await cli('set', 'API_KEY=k3', '--expected-version', '0', '--env', 'staging');
    assert.equal(mustNotExist.code, 1);
    const twoKeys = await cli('set', 'A=1', 'B=2', '--expected-version', '0', '--env', 'staging');
    assert.equal(twoKeys.code, 1);
    assert.match(oneLine(twoKeys.stderr), /--expected-version applies to one key/);

    const history = await cli('history', 'API_KEY', '--env', 'staging');
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /current version 2/);
    assert.match(history.stdout, /v2 .*\*{8}[\s\S]*v1 .*\*{8}/, 'newest first, masked');
    assert.ok(!/\bk1\b|\bk2\b/.test(history.stdout), 'values masked');
    const shown = await cli('history', 'API_KEY', '--env', 'staging', '--values');
    assert.match(shown.stdout, /v2 .*k2[\s\S]*v1 .*k1/);
    const historyJson = JSON.parse((await cli('history', 'API_KEY', '--env', 'staging', '--json')).stdout);
    assert.deepEqual(
      historyJson.history.map((entry: any) => [entry.version, 'value' in entry]),
      [
        [2, false],
        [1, false],
      ],
    );

    const deleted = await cli('delete', 'API_KEY', '--env', 'staging');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted API_KEY/);
    assert.deepEqual(await viaHttp('staging'), { DATABASE_URL: databaseUrl });
    const gone = await cli('get', 'API_KEY', '--env', 'staging');
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, '');
    assert.match(oneLine(gone.stderr), /\(HTTP 404\)$/);
    const afterDelete = await cli('history', 'API_KEY', '--env', 'staging');
    assert.match(afterDelete.stdout, /\(deleted\)/);
  });

  it('reads a lone KEY from stdin, keeping it off the command line', async () => {
    const pem = '-----BEGIN KEY-----\nabc=\n-----END KEY-----';
    const result = await runCli(['secrets', 'set', 'TLS_KEY'], env, work.path, `${pem}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await viaHttp('development')).TLS_KEY, pem);
    const get = await cli('get', 'TLS_KEY');
    assert.equal(get.stdout, pem);
    const mixed = await cli('set', 'LONE', 'A=1');
    assert.equal(mixed.code, 1);
    assert.match(oneLine(mixed.stderr), /"LONE" has no "="/);
  });

  it('works on a branch, which overlays main', async () => {
    const branch = await server.call('/api/branch', {
      token: server.bootstrap!.pat,
      body: { projectId: project, name: 'feature' },
    });
    assert.equal(branch.status, 201, branch.text);
    assert.equal((await cli('set', 'SHARED=main-value', 'ONLY_MAIN=m', '--env', 'production')).code, 0);
    const set = await cli('set', 'SHARED=branch-value', '--env', 'production', '--branch', 'feature');
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(await viaHttp('production', 'feature'), { SHARED: 'branch-value', ONLY_MAIN: 'm' });
    assert.deepEqual(await viaHttp('production'), { SHARED: 'main-value', ONLY_MAIN: 'm' });
    assert.equal((await cli('get', 'SHARED', '--env', 'production', '--branch', 'feature')).stdout, 'branch-value');

    const print = [process.execPath, '-e', 'process.stdout.write(process.env.SHARED + "/" + process.env.ONLY_MAIN)'];
    const onBranch = await runCli(
      ['run', '--env', 'production', '--branch', 'feature', '--', ...print],
      env,
      work.path,
    );
    assert.equal(onBranch.stdout, 'branch-value/m', onBranch.stderr);
    const onMain = await runCli(['run', '--env', 'production', '--', ...print], env, work.path);
    assert.equal(onMain.stdout, 'main-value/m', onMain.stderr);
    const unknownBranch = await cli('list', '--env', 'production', '--branch', 'no-such-branch');
    assert.equal(unknownBranch.code, 1);
    assert.match(oneLine(unknownBranch.stderr), /Branch 'no-such-branch' not found.*\(HTTP 404\)/);
  });

  it('says in one line what is wrong with the token, the project or the input', async () => {
    const badToken = 'pavise_pat_not-a-real-token-0123456789';
    for (const args of [['list'], ['get', 'X'], ['set', 'X=1'], ['delete', 'X'], ['history', 'X']]) {
      const result = await runCli(['secrets', ...args], { ...env, XTRA_TOKEN: badToken }, work.path);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(oneLine(result.stderr), /^pavise: .*\(HTTP 401\)$/, args.join(' '));
      assert.ok(!result.stderr.includes(badToken), 'the token is never printed');
    }
    const unknown = await cli('list', '--project', 'no-such-project');
    assert.equal(unknown.code, 1);
    assert.match(oneLine(unknown.stderr), /^pavise: .*not found.*\(HTTP 404\)$/i);

    const noToken = await runCli(['secrets', 'list'], { ...env, XTRA_TOKEN: '' }, work.path);
    assert.equal(noToken.code, 1);
    assert.match(oneLine(noToken.stderr), /XTRA_TOKEN.*--token/);
    const noProject = await runCli(['secrets', 'list'], { ...env, XTRA_PROJECT_ID: '' }, work.path);
    assert.equal(noProject.code, 1);
    assert.match(oneLine(noProject.stderr), /--project.*XTRA_PROJECT_ID/);

    const badKey = await cli('set', '1BAD=x');
    assert.equal(badKey.code, 1);
    assert.match(oneLine(badKey.stderr), /\(HTTP 400\)$/);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const unreachable = await runCli(
      ['secrets', 'list'],
      { ...env, XTRA_API_URL: `http://127.0.0.1:${closedPort}/api` },
      work.path,
    );
    assert.equal(unreachable.code, 1);
    assert.equal(
      oneLine(unreachable.stderr),
      `pavise: cannot reach the vault at http://127.0.0.1:${closedPort}/api: connection refused`,
    );
  });

  it('documents the commands with --help', async () => {
    const top = await runCli(['--help']);
    assert.match(top.stdout, /\brun\b/);
    assert.match(top.stdout, /\bsecrets\b/);
    const run = await runCli(['run', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--token <token>[\s\S]*XTRA_TOKEN[\s\S]*visible to other users/);
    for (const flag of [
      '--project <id>',
      '--env <env>',
      '--branch <name>',
      '--api-url <url>',
      '--fallback <path>',
      '--no-fallback',
      '--offline',
      '--no-override',
    ]) {
      assert.ok(run.stdout.includes(flag), flag);
    }
    for (const sub of ['list', 'get', 'set', 'delete', 'history']) {
      const help = await runCli(['secrets', sub, '--help']);
      assert.equal(help.code, 0, sub);
      assert.match(help.stdout, /--token <token>[\s\S]*XTRA_TOKEN/, sub);
    }
  });
});
