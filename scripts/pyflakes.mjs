// `npm run check`'s Python step: pyflakes over clients/python. Without pyflakes on the machine it
// says what to install and passes, unless PAVISE_TEST_STRICT=1 (CI), where a missing tool fails.
import { spawnSync } from 'node:child_process';

const interpreters = [process.env.PAVISE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
const python = interpreters.find((candidate) => spawnSync(candidate, ['-m', 'pyflakes', '--version']).status === 0);
if (!python) {
  const message = 'pyflakes: not installed (Debian: python3-pyflakes)';
  if (process.env.PAVISE_TEST_STRICT === '1') {
    console.error(`${message}; PAVISE_TEST_STRICT=1 makes that a failure`);
    process.exit(1);
  }
  console.log(`${message}; clients/python not checked`);
  process.exit(0);
}
const result = spawnSync(python, ['-m', 'pyflakes', 'clients/python'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
