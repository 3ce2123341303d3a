import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/package-root.js';

const SAMPLES = path.join(packageRoot, 'test', 'seed-samples');
const HOSTS = [/https:\/\/auth\.dxtra\.ai/g, /https:\/\/api\.dxtra\.ai/g];

/** A seed sample's text with only the base URL and the placeholders replaced. */
export async function seedSample(file: string, baseUrl: string, placeholders: Record<string, string> = {}): Promise<string> {
  let text = await fs.readFile(path.join(SAMPLES, file), 'utf8');
  for (const host of HOSTS) text = text.replace(host, baseUrl);
  for (const [placeholder, value] of Object.entries(placeholders)) text = text.split(placeholder).join(value);
  return text;
}

/**
 * Runs a seed's JavaScript as a module with `epilogue` appended (which exports what the test
 * needs) and `prologue` before it (which defines what the sample takes as given, e.g. `jwt`).
 */
export async function importSeedSample(file: string, baseUrl: string, epilogue: string, placeholders: Record<string, string> = {}, prologue = ''): Promise<any> {
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
export async function runSeedShell(file: string, baseUrl: string, placeholders: Record<string, string> = {}, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', await seedSample(file, baseUrl, placeholders)], { env: { ...process.env, ...env } });
  return stdout;
}
