import type { Command } from 'commander';
import { environmentName } from '../vault/names.js';
import { PAVISE_VERSION } from '../version.js';

/**
 * The client side of the vault's HTTP API (see the wire contract): what `pavise run` and
 * `pavise secrets` send, and how they tell "the vault said no" (fail) from "the vault could not
 * be asked" (where `run` may fall back to its snapshot).
 */

export const DEFAULT_API_URL = 'http://127.0.0.1:8080/api';
const DEFAULT_TIMEOUT_SECONDS = 15;

/** A mistake the user can fix: printed as one line, exit 1. */
export class VaultCliError extends Error {
  constructor(
    message: string,
    /** Extra lines printed after the message (e.g. the conflicts of a 409). */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'VaultCliError';
  }
}

/** The vault answered with a status that is an answer (400, 401, 403, 404, 409): never fall back. */
export class VaultResponseError extends VaultCliError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
    details: string[] = [],
  ) {
    super(message, details);
    this.name = 'VaultResponseError';
  }
}

/** The vault could not answer: network error, timeout, 5xx or 429. `run` may use its snapshot. */
export class VaultUnavailableError extends VaultCliError {
  constructor(message: string) {
    super(message);
    this.name = 'VaultUnavailableError';
  }
}

export interface VaultTarget {
  apiUrl: string;
  token: string;
  project: string;
  env: string;
  branch: string;
  timeoutMs: number;
}

export interface VaultOptionValues {
  project?: string;
  env: string;
  branch: string;
  token?: string;
  apiUrl?: string;
  timeout: string;
}

/** The flags every vault command shares. Defaults from the environment are resolved later, so help never shows a token. */
export function addVaultOptions(command: Command): Command {
  return command
    .option('--project <id>', 'project id (default: $XTRA_PROJECT_ID)')
    .option('--env <env>', 'environment (dev, stg and prod are accepted as aliases)', 'development')
    .option('--branch <name>', 'branch', 'main')
    .option(
      '--token <token>',
      'access token: a PAT, an access token or a service-account key (default: $XTRA_TOKEN; prefer the variable, since command-line arguments are visible to other users of the machine)',
    )
    .option('--api-url <url>', `vault API base URL (default: $XTRA_API_URL, else ${DEFAULT_API_URL})`)
    .option('--timeout <seconds>', 'give up on the vault after this many seconds', String(DEFAULT_TIMEOUT_SECONDS));
}

function fromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Resolves the shared flags against the environment; a missing token or project is one clear line. */
export function resolveTarget(options: VaultOptionValues): VaultTarget {
  const token = options.token?.trim() || fromEnv('XTRA_TOKEN');
  if (!token)
    throw new VaultCliError(
      'no access token: set XTRA_TOKEN (or pass --token, which other users can see in the process list)',
    );
  const project = options.project?.trim() || fromEnv('XTRA_PROJECT_ID');
  if (!project) throw new VaultCliError('no project: pass --project <id> or set XTRA_PROJECT_ID');
  const rawUrl = options.apiUrl?.trim() || fromEnv('XTRA_API_URL') || DEFAULT_API_URL;
  let apiUrl: string;
  try {
    const url = new URL(rawUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    apiUrl = url.toString().replace(/\/+$/, '');
  } catch {
    throw new VaultCliError(`--api-url / XTRA_API_URL is not an http(s) URL: ${rawUrl}`);
  }
  // The server's own rule (lower case, dev/stg/prod aliases), so a snapshot is named as the server names the environment.
  let env: string;
  try {
    env = environmentName(options.env);
  } catch (error) {
    throw new VaultCliError(`--env: ${(error as Error).message}`);
  }
  const branch = options.branch.trim();
  if (!branch) throw new VaultCliError('--branch must not be empty');
  const seconds = Number(options.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new VaultCliError('--timeout accepts a number of seconds from 0 to 600');
  return { apiUrl, token, project, env, branch, timeoutMs: Math.round(seconds * 1000) };
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code)
    return cause.code === 'ECONNREFUSED'
      ? 'connection refused'
      : `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  if (cause?.message) return cause.message;
  return (error as Error)?.message ?? String(error);
}

function errorText(body: unknown, text: string): string | undefined {
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string')
    return (body as { error: string }).error;
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

/** One request to the vault; the token goes only into the Authorization header. */
export async function vaultRequest<T>(
  target: Pick<VaultTarget, 'apiUrl' | 'token' | 'timeoutMs'>,
  method: 'GET' | 'POST' | 'DELETE',
  pathname: string,
  options: { query?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const url = new URL(`${target.apiUrl}${pathname}`);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/json',
    'user-agent': `pavise-cli/${PAVISE_VERSION}`,
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const where = `${method} ${url.origin}${url.pathname}`;

  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new VaultUnavailableError(
        `the vault at ${target.apiUrl} did not answer within ${target.timeoutMs / 1000} s (${where})`,
      );
    }
    throw new VaultUnavailableError(`cannot reach the vault at ${target.apiUrl}: ${describeNetworkError(error)}`);
  }

  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) {
    if (body === undefined)
      throw new VaultCliError(
        `the vault at ${target.apiUrl} answered ${where} with something that is not JSON; is --api-url right (it ends in /api)?`,
      );
    return body as T;
  }

  const message = errorText(body, text);
  if (response.status === 429) {
    const retryAfter =
      response.headers.get('retry-after') ?? (body as { retryAfter?: unknown } | undefined)?.retryAfter;
    throw new VaultUnavailableError(
      `${message ?? 'rate limited by the vault'} (HTTP 429${retryAfter !== undefined && retryAfter !== null ? `; retry after ${String(retryAfter)} s` : ''})`,
    );
  }
  if (response.status >= 500) {
    throw new VaultUnavailableError(
      `the vault at ${target.apiUrl} failed: ${message ?? response.statusText} (HTTP ${response.status})`,
    );
  }
  const details: string[] = [];
  const conflicts = (body as { conflicts?: unknown } | undefined)?.conflicts;
  if (response.status === 409 && Array.isArray(conflicts)) {
    for (const conflict of conflicts as { key?: unknown; expected?: unknown; actual?: unknown }[]) {
      details.push(
        `  ${String(conflict.key)}: expected version ${String(conflict.expected)}, current version ${String(conflict.actual)}`,
      );
    }
  }
  throw new VaultResponseError(
    `${message ?? `${where} failed`} (HTTP ${response.status})`,
    response.status,
    body,
    details,
  );
}

const segment = encodeURIComponent;

function secretsPath(target: VaultTarget, key?: string): string {
  const base = `/projects/${segment(target.project)}/envs/${segment(target.env)}/secrets`;
  return key === undefined ? base : `${base}/${segment(key)}`;
}

export interface SecretDetail {
  key: string;
  value: string;
  version: number;
  environment: string;
  branch: string;
  inherited: boolean;
  updatedAt: string;
}

export interface SecretHistory {
  key: string;
  currentVersion: number;
  history: {
    version: number;
    value: string | null;
    deleted: boolean;
    updatedAt: string;
    updatedBy: string | null;
    description: string | null;
  }[];
}

export interface SetResult {
  success: true;
  count: number;
  versions?: Record<string, number>;
}

/** GET …/secrets: the flat map, checked to be one (a wrong URL must not become an empty environment). */
export async function fetchSecrets(target: VaultTarget): Promise<Record<string, string>> {
  const body = await vaultRequest<unknown>(target, 'GET', secretsPath(target), { query: { branch: target.branch } });
  if (
    !body ||
    typeof body !== 'object' ||
    Array.isArray(body) ||
    Object.values(body).some((value) => typeof value !== 'string')
  ) {
    throw new VaultCliError(
      `the vault at ${target.apiUrl} answered with something that is not a map of secrets; is --api-url right?`,
    );
  }
  return body as Record<string, string>;
}

export function fetchSecret(target: VaultTarget, key: string): Promise<SecretDetail> {
  return vaultRequest<SecretDetail>(target, 'GET', secretsPath(target, key), { query: { branch: target.branch } });
}

export function writeSecrets(
  target: VaultTarget,
  secrets: Record<string, string>,
  expectedVersions?: Record<string, number>,
): Promise<SetResult> {
  return vaultRequest<SetResult>(target, 'POST', secretsPath(target), {
    body: { secrets, branch: target.branch, ...(expectedVersions ? { expectedVersions } : {}) },
  });
}

export function deleteSecret(target: VaultTarget, key: string): Promise<{ success: true; version: number }> {
  return vaultRequest(target, 'DELETE', secretsPath(target, key), { query: { branch: target.branch } });
}

export function fetchHistory(target: VaultTarget, key: string): Promise<SecretHistory> {
  return vaultRequest<SecretHistory>(target, 'GET', `${secretsPath(target, key)}/history`, {
    query: { branch: target.branch },
  });
}

/**
 * Wraps a command action: the vault's user-facing errors print as `pavise: …` and exit 1 (main.ts
 * reports only its own error types as one line, so these are handled here).
 */
function handleVaultErrors<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof VaultCliError)) throw error;
      process.stderr.write(`pavise: ${error.message}\n${error.details.map((line) => `${line}\n`).join('')}`);
      process.exitCode = 1;
    }
  };
}

/**
 * A vault command's action: `action` gets the target its options resolve to (resolveTarget), then
 * the command's arguments and options; errors as handleVaultErrors prints them. Commander calls an
 * action with the arguments, the options and the Command: the options are the last but one.
 */
export function vaultAction<A extends unknown[], O extends VaultOptionValues>(
  action: (target: VaultTarget, ...args: [...A, O]) => Promise<void>,
): (...args: [...A, O, Command]) => Promise<void> {
  return handleVaultErrors(async (...args: [...A, O, Command]) => {
    const given = args.slice(0, -1) as [...A, O];
    await action(resolveTarget(given.at(-1) as O), ...given);
  });
}
