import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/package-root.js';
import { SEED_PYTHON } from './requirements.js';

const SAMPLES = path.join(packageRoot, 'test', 'seed-samples');
const HOSTS = [/https:\/\/auth\.dxtra\.ai/g, /https:\/\/api\.dxtra\.ai/g];

/**
 * A seed sample's text with only the base URL and the placeholders replaced. A `null` base URL
 * keeps the documented hosts (for a sample configured through the environment instead).
 */
export async function seedSample(
  file: string,
  baseUrl: string | null,
  placeholders: Record<string, string> = {},
): Promise<string> {
  let text = await fs.readFile(path.join(SAMPLES, file), 'utf8');
  if (baseUrl !== null) for (const host of HOSTS) text = text.replace(host, baseUrl);
  for (const [placeholder, value] of Object.entries(placeholders)) text = text.split(placeholder).join(value);
  return text;
}

/**
 * Runs a seed's JavaScript as a module with `epilogue` appended (which exports what the test
 * needs) and `prologue` before it (which defines what the sample takes as given, e.g. `jwt`).
 */
export async function importSeedSample(
  file: string,
  baseUrl: string,
  epilogue: string,
  placeholders: Record<string, string> = {},
  prologue = '',
): Promise<any> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-seed-'));
  const module = path.join(dir, `${path.basename(file, '.js')}.mjs`);
  await fs.writeFile(module, `${prologue}\n${await seedSample(file, baseUrl, placeholders)}\n${epilogue}\n`);
  try {
    return await import(module);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Runs a seed's shell sample with bash (and extra environment, e.g. JWT_TOKEN) and returns its stdout. */
export async function runSeedShell(
  file: string,
  baseUrl: string,
  placeholders: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', await seedSample(file, baseUrl, placeholders)], {
    env: { ...process.env, ...env },
  });
  return stdout;
}

export interface SeedPythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function python(args: string[], cwd: string, env: Record<string, string>): Promise<SeedPythonRun> {
  // The environment of this process without DXTRA_* and Python path settings; never a proxy for the local server.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('DXTRA_') && !name.startsWith('PYTHON')),
  );
  const noProxy = ['127.0.0.1', 'localhost', process.env.NO_PROXY ?? process.env.no_proxy].filter(Boolean).join(',');
  return new Promise((resolve) => {
    execFile(
      SEED_PYTHON,
      args,
      {
        cwd,
        timeout: 30_000,
        env: {
          ...inherited,
          PYTHONDONTWRITEBYTECODE: '1',
          PYTHONUNBUFFERED: '1',
          NO_PROXY: noProxy,
          no_proxy: noProxy,
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: code === null ? `${stderr}\n${error!.message}` : stderr });
      },
    );
  });
}

/** Whether SEED_PYTHON can import `module` (e.g. gql, which only PyPI has). */
export async function pythonCanImport(module: string): Promise<boolean> {
  return (await python(['-c', `import ${module}`], os.tmpdir(), {})).code === 0;
}

/**
 * Runs a seed's Python sample as a script (`__name__ == "__main__"`) with SEED_PYTHON, in a
 * directory of its own, and returns its exit code and output (asynchronously: the server answers
 * from this process). `prologue` defines what the sample takes from an earlier block (e.g. `jwt`),
 * `epilogue` calls what it only defines and prints what the test checks; `modules` are other
 * samples it imports, as module name → sample file (both rewritten like the sample).
 */
export async function runSeedPython(
  file: string,
  baseUrl: string | null,
  options: {
    placeholders?: Record<string, string>;
    prologue?: string;
    epilogue?: string;
    modules?: Record<string, string>;
    env?: Record<string, string>;
  } = {},
): Promise<SeedPythonRun> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-seed-py-'));
  try {
    for (const [module, sample] of Object.entries(options.modules ?? {})) {
      await fs.writeFile(path.join(dir, `${module}.py`), await seedSample(sample, baseUrl, options.placeholders));
    }
    const script = path.join(dir, path.basename(file));
    await fs.writeFile(
      script,
      `${options.prologue ?? ''}\n${await seedSample(file, baseUrl, options.placeholders)}\n${options.epilogue ?? ''}\n`,
    );
    return await python([script], dir, options.env ?? {});
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
