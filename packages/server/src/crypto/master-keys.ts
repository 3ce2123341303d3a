import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { LocalMasterKeys } from './key-provider.js';

/**
 * Where the master keys come from. Production: PAVISE_MASTER_KEY (and, during a rotation,
 * PAVISE_MASTER_KEY_PREVIOUS). Development: a key generated on first start and kept in the data
 * directory — never in the database, so a dump of the database alone decrypts nothing.
 */
export const DEVELOPMENT_KEY_FILE = 'vault-master-keys.json';

interface KeyFile {
  /** Hex keys; the first is active. */
  keys: string[];
}

export function developmentKeyFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, DEVELOPMENT_KEY_FILE);
}

export async function loadMasterKeys(
  config: Pick<Config, 'masterKey' | 'masterKeysPrevious' | 'dataDir'>,
): Promise<LocalMasterKeys> {
  if (config.masterKey) return new LocalMasterKeys([config.masterKey, ...config.masterKeysPrevious]);
  const file = developmentKeyFile(config);
  const keys = (await readKeyFile(file)) ?? (await createKeyFile(file));
  // A rotation run by `pavise vault rotate-master-key` rewrites the file: reread it when a data
  // key names a master key this process has not seen.
  return new LocalMasterKeys(keys, async () => (await readKeyFile(file)) ?? keys);
}

export async function readKeyFile(file: string): Promise<Buffer[] | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as KeyFile;
  if (
    !Array.isArray(parsed.keys) ||
    parsed.keys.length === 0 ||
    parsed.keys.some((key) => !/^[0-9a-f]{64}$/.test(key))
  ) {
    throw new Error(
      `${file} is not a Pavise master-key file; restore it from a backup (without it the vault's secrets cannot be decrypted)`,
    );
  }
  return parsed.keys.map((key) => Buffer.from(key, 'hex'));
}

/** Creates the file exclusively, so processes starting together agree on one key. */
async function createKeyFile(file: string): Promise<Buffer[]> {
  const keys = [randomBytes(32)];
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, serialise(keys), { flag: 'wx', mode: 0o600 });
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readKeyFile(file))!;
  }
}

/** Replaces the file atomically (write, fsync, rename): it is never seen half-written. */
export async function writeKeyFile(file: string, keys: readonly Buffer[]): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(serialise(keys));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
}

function serialise(keys: readonly Buffer[]): string {
  return `${JSON.stringify({ keys: keys.map((key) => key.toString('hex')) } satisfies KeyFile, null, 2)}\n`;
}
