import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  type ScryptOptions,
  scrypt as scryptCallback,
} from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VaultCliError, type VaultTarget } from './vault-api.js';

/**
 * The encrypted fallback snapshot of `pavise run` (like Doppler's fallback file): the last secrets
 * fetched for one (API URL, project, environment, branch), encrypted with AES-256-GCM under a key
 * derived from the access token with scrypt. Without the token the file is useless; with a
 * rotated token it can no longer be read, and the next successful fetch replaces it.
 *
 * File (JSON): {format, version, kdf: {name: "scrypt", N, r, p, salt}, iv, tag, ciphertext}, binary
 * fields base64. The header is the GCM additional data, so its KDF parameters cannot be swapped.
 * Plaintext: {secrets, fetchedAt, project, env, branch}.
 */

const FORMAT = 'pavise-fallback';
const VERSION = 1;
const KDF = { name: 'scrypt', N: 2 ** 15, r: 8, p: 1 } as const;
// Upper bounds for parameters read from a file, so a doctored file cannot make us allocate gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

export interface SnapshotPayload {
  secrets: Record<string, string>;
  fetchedAt: string;
  project: string;
  env: string;
  branch: string;
}

interface SnapshotFile {
  format: string;
  version: number;
  kdf: { name: string; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  ciphertext: string;
}

export function configDir(): string {
  const fromEnv = process.env.PAVISE_CONFIG_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(os.homedir(), '.pavise');
}

/** `<config dir>/fallback/<sha256 of apiUrl|project|env|branch>.enc` */
export function defaultSnapshotPath(target: Pick<VaultTarget, 'apiUrl' | 'project' | 'env' | 'branch'>): string {
  const id = createHash('sha256')
    .update(`${target.apiUrl}|${target.project}|${target.env}|${target.branch}`)
    .digest('hex');
  return path.join(configDir(), 'fallback', `${id}.enc`);
}

function deriveKey(token: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCallback(token, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function header(file: Pick<SnapshotFile, 'format' | 'version' | 'kdf'>): Buffer {
  return Buffer.from(
    JSON.stringify([file.format, file.version, file.kdf.name, file.kdf.N, file.kdf.r, file.kdf.p, file.kdf.salt]),
  );
}

export async function encryptSnapshot(payload: SnapshotPayload, token: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kdf = { ...KDF, salt: salt.toString('base64') };
  const key = await deriveKey(token, salt, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header({ format: FORMAT, version: VERSION, kdf }));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  const file: SnapshotFile = {
    format: FORMAT,
    version: VERSION,
    kdf,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
  return `${JSON.stringify(file)}\n`;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export async function decryptSnapshot(text: string, token: string, where: string): Promise<SnapshotPayload> {
  let file: SnapshotFile;
  try {
    file = JSON.parse(text) as SnapshotFile;
  } catch {
    throw new VaultCliError(`the fallback snapshot ${where} is not a Pavise snapshot (not JSON)`);
  }
  const kdf = file?.kdf;
  if (file?.format !== FORMAT || file.version !== VERSION)
    throw new VaultCliError(`the fallback snapshot ${where} is not a Pavise snapshot of version ${VERSION}`);
  if (
    kdf?.name !== 'scrypt' ||
    !isInt(kdf.N, 2, MAX_N) ||
    (kdf.N & (kdf.N - 1)) !== 0 ||
    !isInt(kdf.r, 1, MAX_R) ||
    !isInt(kdf.p, 1, MAX_P) ||
    typeof kdf.salt !== 'string' ||
    typeof file.iv !== 'string' ||
    typeof file.tag !== 'string' ||
    typeof file.ciphertext !== 'string'
  ) {
    throw new VaultCliError(
      `the fallback snapshot ${where} is damaged (bad header); delete it and run once with the vault reachable`,
    );
  }
  const key = await deriveKey(token, Buffer.from(kdf.salt, 'base64'), kdf);
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
    decipher.setAAD(header(file));
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    plaintext = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new VaultCliError(
      `the fallback snapshot ${where} cannot be decrypted with this token (it was written with another token, or it was altered)`,
    );
  }
  const payload = JSON.parse(plaintext) as SnapshotPayload;
  if (!payload || typeof payload.secrets !== 'object' || typeof payload.fetchedAt !== 'string') {
    throw new VaultCliError(`the fallback snapshot ${where} is damaged (bad payload)`);
  }
  return payload;
}

/** Reads the snapshot; undefined when there is none. */
export async function readSnapshot(file: string, token: string): Promise<SnapshotPayload | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VaultCliError(`cannot read the fallback snapshot ${file}: ${(error as Error).message}`);
  }
  return decryptSnapshot(text, token, file);
}

/**
 * Writes the snapshot atomically (a private temporary file in the same directory, then rename), so
 * a crash never leaves half a file. Directories we create are 0700 and the file is 0600; the
 * default fallback directory is tightened to 0700 even if it existed, a directory named with
 * --fallback is the user's to choose.
 */
export async function writeSnapshot(
  file: string,
  payload: SnapshotPayload,
  token: string,
  options: { ownDirectory: boolean },
): Promise<void> {
  const content = await encryptSnapshot(payload, token);
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (options.ownDirectory) await fs.chmod(dir, 0o700);
  const temporary = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** "3 minutes", "2 hours", "5 days": the age in the fallback warning. */
export function describeAge(fetchedAt: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(fetchedAt)) / 1000));
  if (!Number.isFinite(seconds)) return 'unknown age';
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size || size === 1) {
      const count = Math.floor(seconds / size);
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
