import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ClockControl, serveClock, TestClock } from './helpers/clock.js';
import { SDK_PYTHON, unless, wheelBuilder } from './helpers/requirements.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { suiteWorkDir } from './helpers/suite.js';

const noWheel = await unless('python-wheel');

/**
 * The Python SDK (clients/python, `xtrasecurity`): its unittest suite runs against real servers of
 * this lane, from the source tree and from the wheel its pyproject.toml builds. PAVISE_PYTHON
 * chooses the interpreter (default python3).
 */

// packages/server/dist/test → the repository root.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SDK = path.join(REPO, 'clients', 'python');
/** The suite's tests; fewer in the output means some were not found or not run. */
const MIN_TESTS = 70;

interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to completion (asynchronously: the servers answer from this process). */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${command}: ${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The environment of the Python tests: this one without the SDK's and the lane's settings, plus theirs. */
function pythonEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !name.startsWith('XTRA_') && name !== 'DATABASE_URL' && name !== 'PYTHONPATH' && name !== 'PYTHONHOME',
    ),
  );
  // The servers are on this host: never through a proxy from the environment.
  const noProxy = ['127.0.0.1', 'localhost', process.env.NO_PROXY ?? process.env.no_proxy].filter(Boolean).join(',');
  return {
    ...inherited,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    ...settings,
  };
}

/** unittest's verdict: every test ran and passed, none skipped. */
function assertPassed(result: Run, minimum: number, what: string): void {
  const ran = /^Ran (\d+) tests? in /m.exec(result.output);
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.output}`);
  assert.ok(
    ran && Number(ran[1]) >= minimum,
    `${what}: expected at least ${minimum} tests, ran ${ran?.[1] ?? 'none'}:\n${result.output}`,
  );
  assert.match(result.output, /^OK$/m, `${what}: not a plain OK (skipped or expected failures?):\n${result.output}`);
}

describe('the Python SDK (clients/python)', { skip: await unless('python') }, () => {
  let server: TestServer;
  let limited: TestServer;
  /** The rate-limited server's time: its windows pass when the Python tests move it, over HTTP. */
  const limitedClock = new TestClock();
  let limitedClockControl: ClockControl;
  let settings: Record<string, string>;
  const work = suiteWorkDir('pavise-python-sdk-');

  before(async () => {
    [server, limited, limitedClockControl] = await Promise.all([
      startTestServer(),
      startTestServer({ PAVISE_RATE_LIMIT_VAULT: '2/1' }, undefined, { clock: limitedClock }),
      serveClock(limitedClock),
    ]);
    settings = {
      XTRA_API_URL: `${server.url}/api`,
      XTRA_TOKEN: server.bootstrap!.pat,
      PAVISE_TEST_LIMITED_API_URL: `${limited.url}/api`,
      PAVISE_TEST_LIMITED_TOKEN: limited.bootstrap!.pat,
      PAVISE_TEST_LIMITED_CLOCK_URL: limitedClockControl.url,
    };
  });
  after(async () => {
    await Promise.all([server?.close(), limited?.close(), limitedClockControl?.close()]);
  });

  it('passes its unittest suite, from the source tree, against a real server', async () => {
    const result = await run(SDK_PYTHON, ['-m', 'unittest', 'discover', '-s', 'clients/python/tests', '-v'], {
      env: pythonEnv({ ...settings, PYTHONPATH: path.join(SDK, 'src'), XTRA_SDK_EXPECT_PATH: path.join(SDK, 'src') }),
    });
    assertPassed(result, MIN_TESTS, 'python3 -m unittest discover -s clients/python/tests');
  });

  it('builds a typed, dependency-free wheel that installs offline, runs seed 004 and has its version', {
    skip: noWheel,
  }, async () => {
    const builder = wheelBuilder()!;

    // Build from a copy: an in-tree build leaves build/ and *.egg-info behind.
    const source = path.join(work.path, 'source');
    await fs.cp(SDK, source, {
      recursive: true,
      filter: (file) => !/(^|[\\/])(build|dist|__pycache__|[^\\/]*\.egg-info)$/.test(path.relative(SDK, file)),
    });
    const dist = path.join(work.path, 'dist');
    const quiet = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_ROOT_USER_ACTION: 'ignore' };
    const built = await run(
      builder,
      ['-m', 'pip', 'wheel', '--no-build-isolation', '--no-deps', '--no-index', '-w', dist, source],
      { env: pythonEnv(quiet) },
    );
    assert.equal(built.code, 0, `pip wheel failed:\n${built.output}`);
    const wheels = (await fs.readdir(dist)).filter((name) => name.endsWith('.whl'));
    assert.deepEqual(wheels, ['xtrasecurity_sdk-0.1.0-py3-none-any.whl']);
    const wheel = path.join(dist, wheels[0]!);

    const inspect = await run(builder, [
      '-c',
      'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = z.namelist()\nmeta = [n for n in names if n.endswith(".dist-info/METADATA")][0]\nprint(json.dumps({"names": names, "metadata": z.read(meta).decode()}))',
      wheel,
    ]);
    assert.equal(inspect.code, 0, inspect.output);
    const { names, metadata } = JSON.parse(inspect.output) as { names: string[]; metadata: string };
    for (const file of [
      '__init__.py',
      '_cache.py',
      '_clock.py',
      '_http.py',
      '_version.py',
      'client.py',
      'exceptions.py',
      'models.py',
      'py.typed',
    ]) {
      assert.ok(names.includes(`xtrasecurity/${file}`), `the wheel holds xtrasecurity/${file}: ${names.join(', ')}`);
    }
    assert.ok(!names.some((name) => name.startsWith('tests/') || name.includes('__pycache__')), names.join(', '));
    assert.match(metadata, /^Name: xtrasecurity-sdk$/m);
    assert.match(metadata, /^Version: 0\.1\.0$/m);
    assert.match(metadata, /^Requires-Python: >=3\.9$/m);
    assert.doesNotMatch(metadata, /^Requires-Dist:/m, 'standard library only');

    const site = path.join(work.path, 'site');
    const installed = await run(builder, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--target', site, wheel], {
      env: pythonEnv(quiet),
    });
    assert.equal(installed.code, 0, `pip install failed:\n${installed.output}`);
    assert.ok(existsSync(path.join(site, 'xtrasecurity', 'py.typed')));

    // Seed 004, and the installed distribution's version (which the source-tree run cannot check:
    // XTRA_SDK_EXPECT_INSTALLED makes a missing distribution a failure instead of a pass).
    const result = await run(
      SDK_PYTHON,
      ['-m', 'unittest', 'test_seed', 'test_client.OptionsTest.test_the_version', '-v'],
      {
        cwd: path.join(SDK, 'tests'),
        env: pythonEnv({ ...settings, PYTHONPATH: site, XTRA_SDK_EXPECT_PATH: site, XTRA_SDK_EXPECT_INSTALLED: '1' }),
      },
    );
    assertPassed(result, 7, 'seed 004 and the version check against the installed wheel');
    assert.match(result.output, /^test_the_version \(test_client\.OptionsTest.*\) \.\.\. ok$/m, result.output);
  });
});
