import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { LANE } from './database.js';

/**
 * What a suite needs beyond Node.js, and the Debian packages that bring it. `npm test` on a machine
 * without one skips the suites that need it, with one line naming what to install; nothing else
 * skips. CI sets PAVISE_TEST_STRICT=1, under which a missing requirement fails the suite instead,
 * so a green CI run has run every suite.
 */
interface Requirement {
  what: string;
  debian: string;
  present(): boolean | Promise<boolean>;
}

/** The interpreter of the Python SDK's suite (PAVISE_PYTHON, default python3). */
export const SDK_PYTHON = process.env.PAVISE_PYTHON || 'python3';
/** The interpreter of the seeds' Python samples: Debian's, with its packages. */
export const SEED_PYTHON = '/usr/bin/python3';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

const REQUIREMENTS = {
  'seed-python': {
    what: `${SEED_PYTHON} with requests, python-dotenv and aiohttp`,
    debian: 'python3-requests python3-dotenv python3-aiohttp',
    present: () => succeeds(SEED_PYTHON, ['-c', 'import requests, dotenv, aiohttp']),
  },
  python: {
    what: `${SDK_PYTHON} 3.9 or newer`,
    debian: 'python3',
    present: () => succeeds(SDK_PYTHON, ['-c', 'import sys; sys.exit(sys.version_info < (3, 9))']),
  },
  'python-wheel': {
    what: 'a python3 with pip, setuptools and wheel',
    debian: 'python3-pip python3-setuptools python3-wheel',
    present: () => wheelBuilder() !== undefined,
  },
  curl: { what: 'curl', debian: 'curl', present: () => succeeds('curl', ['--version']) },
  pg_dump: {
    what: 'pg_dump',
    debian: 'postgresql-client',
    present: () => LANE !== 'postgres' || succeeds('pg_dump', ['--version']),
  },
  redis: { what: `a Redis server at ${REDIS_URL}`, debian: 'redis-server', present: () => redisAnswers(REDIS_URL) },
  chromium: { what: '/usr/bin/chromium', debian: 'chromium', present: () => existsSync('/usr/bin/chromium') },
} satisfies Record<string, Requirement>;

export type RequirementName = keyof typeof REQUIREMENTS;

const checked = new Map<RequirementName, Promise<boolean>>();

/**
 * The `skip` option of a suite that needs `names`: false when all are there, else the line that
 * says what to install. Under PAVISE_TEST_STRICT=1 a missing requirement throws instead.
 */
export async function unless(...names: RequirementName[]): Promise<string | false> {
  const missing: Requirement[] = [];
  for (const name of names) {
    if (!checked.has(name)) checked.set(name, Promise.resolve(REQUIREMENTS[name].present()));
    if (!(await checked.get(name))) missing.push(REQUIREMENTS[name]);
  }
  if (missing.length === 0) return false;
  const line = `needs ${missing.map((r) => r.what).join(' and ')} (Debian: apt-get install ${missing.map((r) => r.debian).join(' ')})`;
  if (process.env.PAVISE_TEST_STRICT === '1') throw new Error(`PAVISE_TEST_STRICT=1 and this suite ${line}`);
  return line;
}

/** The first Python that can build a wheel offline, if any. */
export function wheelBuilder(): string | undefined {
  // pip is imported last: on Debian, importing it before setuptools trips setuptools' distutils check.
  return [...new Set([SDK_PYTHON, 'python3', '/usr/bin/python3'])].find((candidate) =>
    succeeds(candidate, ['-c', 'import setuptools, wheel, pip']),
  );
}

/** Whether a Redis server answers PING at `url` within a second. */
function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port) || 6379 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')));
  });
}
