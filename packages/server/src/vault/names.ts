import { invalid } from './errors.js';

/**
 * The vault's names and how input becomes them. Environments are free slugs, compared in lower
 * case, with the shorthands of the xtra CLI accepted; keys are environment-variable names.
 */
export const DEFAULT_ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export const MAIN_BRANCH = 'main';

const ENVIRONMENT_ALIASES: Record<string, string> = { dev: 'development', stg: 'staging', prod: 'production' };
const ENVIRONMENT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MAX_VALUE_BYTES = 65_536;
export const MAX_KEYS_PER_WRITE = 1_000;

export function environmentName(raw: unknown): string {
  if (typeof raw !== 'string') throw invalid('The environment must be a string such as "production"');
  const value = raw.trim().toLowerCase();
  const name = ENVIRONMENT_ALIASES[value] ?? value;
  if (!ENVIRONMENT.test(name)) {
    throw invalid(
      `"${raw.slice(0, 64)}" is not an environment name: use lower-case letters, digits, "-" and "_" (e.g. production)`,
    );
  }
  return name;
}

export function secretKey(raw: unknown): string {
  if (typeof raw !== 'string' || !KEY.test(raw)) {
    const shown = typeof raw === 'string' ? `"${raw.slice(0, 64)}"` : 'The key';
    throw invalid(
      `${shown} is not a secret name: start with a letter or "_", then letters, digits, "_", "." or "-" (at most 256 characters)`,
    );
  }
  return raw;
}

export function branchName(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return MAIN_BRANCH;
  if (typeof raw !== 'string' || !BRANCH.test(raw)) {
    throw invalid(
      'A branch name has 1 to 100 letters, digits, ".", "_", "-" or "/", starting with a letter or digit (e.g. feature/new-ui)',
    );
  }
  return raw;
}

/** A well-formed id, or undefined: a malformed one can only name something that does not exist. */
export function idOrUndefined(raw: unknown): string | undefined {
  return typeof raw === 'string' && UUID.test(raw) ? raw.toLowerCase() : undefined;
}

export function secretValue(key: string, raw: unknown): string {
  if (typeof raw !== 'string') throw invalid(`The value of ${key} must be a string`);
  if (Buffer.byteLength(raw, 'utf8') > MAX_VALUE_BYTES)
    throw invalid(`The value of ${key} is larger than ${MAX_VALUE_BYTES} bytes`);
  return raw;
}

export function version(key: string, raw: unknown): number {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw invalid(`The expected version of ${key} must be a whole number (0 means "must not exist yet")`);
  }
  return value;
}
