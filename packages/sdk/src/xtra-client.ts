import { firstSet, processEnvironment } from './configuration.js';
import { neverReachedServer, retryDelayMs } from './retry.js';
import { type SdkTime, timeOf } from './time.js';
import { type CacheEntry, SecretCache, type Secrets, type Target } from './xtra-cache.js';
import { type XtraConflict, XtraError } from './xtra-error.js';

export type { Secrets } from './xtra-cache.js';

/** Sent as `X-Pavise-Client: sdk-ts/<version>` (from Node only: a browser would need CORS to allow it). */
export const XTRA_SDK_VERSION = '0.1.0';

/** Pavise is self-hosted: the default is a server on this machine, never a third party's. */
const DEFAULT_API_URL = 'http://127.0.0.1:8080/api';

export interface XtraClientOptions {
  /** A user PAT (`pavise_pat_…`), an access token (JWT) or a service-account key. Default: XTRA_TOKEN. */
  token?: string;
  /** The default project of every call. Default: XTRA_PROJECT_ID. */
  projectId?: string;
  /** The vault API, ending in /api. Default: XTRA_API_URL, else http://127.0.0.1:8080/api. */
  apiUrl?: string;
  /** Keep secrets in memory (default true). */
  cache?: boolean;
  /** Seconds a cached read is served without asking the server (default 30). */
  cacheTtl?: number;
  /**
   * When a read fails because the server is unreachable, times out, or answers 5xx or 429, serve
   * the last good value of that read from the cache, however old, and report it (default true).
   */
  staleOnError?: boolean;
  /** Called each time a stale value is served; what it throws is ignored. */
  onStale?: (info: StaleInfo) => void;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: typeof fetch;
  /** Time limit of each attempt, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Retries after a failed attempt (default 3). */
  maxRetries?: number;
}

export interface GetSecretsOptions {
  /** Default: the client's projectId. */
  projectId?: string;
  /** Default: `main`. */
  branch?: string;
  /** Ask the server even when the cache holds a fresh value (the answer is still cached). */
  noCache?: boolean;
}

export interface InjectSecretsOptions extends GetSecretsOptions {
  /** Replace variables that are already set (default false: only unset ones are filled). */
  override?: boolean;
}

export interface SetSecretsOptions {
  projectId?: string;
  branch?: string;
  /** Check-and-set: each key's current version as seen through the branch (0 = must not exist yet). */
  expectedVersions?: Record<string, number | string>;
}

export interface SetSecretsResult {
  count: number;
  /** Each written key's new version. */
  versions: Record<string, number>;
}

export interface SecretsWithMetadata {
  secrets: Secrets;
  /** True when the server could not be asked and this is the last good value (see `error`). */
  stale: boolean;
  /** True when the value came from the cache (fresh within cacheTtl, or stale). */
  fromCache: boolean;
  /** When the server sent this value. */
  fetchedAt: Date;
  /** Why the server's answer is missing, when stale. */
  error?: XtraError;
}

export interface StaleInfo {
  projectId: string;
  env: string;
  branch: string;
  fetchedAt: Date;
  error: XtraError;
}

export interface Project {
  id: string;
  name: string;
  description: string | null;
  workspace: 'personal' | 'organisation';
  dataControllerId: string | null;
  role: string;
  environments: string[];
  branches: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Branch {
  id: string;
  name: string;
  description: string | null;
  baseEnv: string | null;
  projectId: string;
  createdAt: string;
}

export interface CreateBranchOptions {
  name: string;
  /** Ties the branch to one environment. */
  baseEnv?: string;
  description?: string;
}

/** The server accepts these short names and any case; the cache must see one name per environment. */
const ENV_ALIASES: Record<string, string | undefined> = Object.assign(Object.create(null), {
  dev: 'development',
  stg: 'staging',
  prod: 'production',
});
const environmentName = (env: string) => {
  const name = env.toLowerCase();
  return ENV_ALIASES[name] ?? name;
};

const encode = encodeURIComponent;

/**
 * A client of the Pavise secrets vault, with the surface of XtraSecurity's SDKs: getSecrets with
 * an in-memory cache, injectSecrets, setSecrets, projects and branches. Every failure is an
 * XtraError. See the package README.
 */
export class XtraClient {
  readonly apiUrl: string;
  readonly projectId: string | undefined;
  readonly projects: { getProject(projectId?: string): Promise<Project> };
  readonly branches: { createBranch(projectId: string, branch: CreateBranchOptions): Promise<Branch> };
  // Private fields: util.inspect and console.log do not show the token.
  readonly #headers: Record<string, string>;
  readonly #transport: typeof fetch;
  readonly #cache = new SecretCache();
  readonly #cacheEnabled: boolean;
  readonly #cacheTtlMs: number;
  readonly #staleOnError: boolean;
  readonly #onStale: ((info: StaleInfo) => void) | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #time: SdkTime;

  constructor(options: XtraClientOptions = {}) {
    const env = processEnvironment() ?? {};
    const token = firstSet(options.token, env.XTRA_TOKEN);
    if (!token) {
      throw new XtraError(
        'XtraClient needs a token: pass new XtraClient({ token }) or set XTRA_TOKEN. Create one with `pavise pat create --email <your e-mail>`, or use a service-account key.',
        'invalid-configuration',
      );
    }
    this.projectId = firstSet(options.projectId, env.XTRA_PROJECT_ID);
    const apiUrl = firstSet(options.apiUrl, env.XTRA_API_URL) ?? DEFAULT_API_URL;
    if (!/^https?:\/\/[^/]/i.test(apiUrl)) {
      throw new XtraError(
        `apiUrl (or XTRA_API_URL) must be an http(s) URL such as ${DEFAULT_API_URL}, got ${JSON.stringify(apiUrl)}`,
        'invalid-configuration',
      );
    }
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.#cacheTtlMs = numberOption(options.cacheTtl, 30, 'cacheTtl (seconds)', 0) * 1000;
    this.#timeoutMs = numberOption(options.timeoutMs, 10_000, 'timeoutMs', 1, true);
    this.#maxRetries = numberOption(options.maxRetries, 3, 'maxRetries', 0, true);
    this.#cacheEnabled = options.cache ?? true;
    this.#staleOnError = options.staleOnError ?? true;
    this.#onStale = options.onStale;
    this.#time = timeOf(options);
    // Bound: browsers refuse a fetch called as a method of another object ("Illegal invocation").
    const transport = options.fetch ?? (globalThis.fetch as typeof fetch | undefined)?.bind(globalThis);
    if (typeof transport !== 'function')
      throw new XtraError('no fetch available: pass new XtraClient({ fetch })', 'invalid-configuration');
    this.#transport = transport;
    const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
    this.#headers = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(node ? { 'x-pavise-client': `sdk-ts/${XTRA_SDK_VERSION}` } : {}),
    };

    this.projects = {
      getProject: (projectId = this.projectId) => {
        if (!projectId) return Promise.reject(missingProject());
        return this.#request('GET', `/projects/${encode(projectId)}`, undefined, `getting project ${projectId}`, 'id');
      },
    };
    this.branches = {
      createBranch: (projectId, { name, baseEnv, description }) =>
        this.#request(
          'POST',
          '/branch',
          { projectId, name, baseEnv, description },
          `creating branch '${name}' in project ${projectId}`,
          'name',
        ),
    };
  }

  /**
   * The secrets of `env` (default branch `main`) as a frozen `{KEY: value}` object. Within
   * cacheTtl of the last answer it is that same object, without a request.
   */
  getSecrets(env: string, options?: GetSecretsOptions): Promise<Secrets> {
    // The hot path: no allocation beyond the key and the promise.
    if (this.#cacheEnabled && !options?.noCache) {
      const projectId = options?.projectId ?? this.projectId;
      const entry = projectId && this.#cache.get(projectId, environmentName(env), options?.branch || 'main');
      if (entry && entry.expiresAt > this.#time.now()) return Promise.resolve(entry.secrets);
    }
    return this.getSecretsWithMetadata(env, options).then((result) => result.secrets);
  }

  /** getSecrets, and where the value came from: whether it is stale, and when the server sent it. */
  async getSecretsWithMetadata(env: string, options: GetSecretsOptions = {}): Promise<SecretsWithMetadata> {
    const target = this.#target(env, options);
    const cached = this.#cache.get(target.projectId, target.env, target.branch);
    if (this.#cacheEnabled && !options.noCache && cached && cached.expiresAt > this.#time.now()) {
      return { secrets: cached.secrets, stale: false, fromCache: true, fetchedAt: new Date(cached.fetchedAt) };
    }
    const read = async (): Promise<CacheEntry> => {
      const what = `reading ${describe(target)}`;
      const secrets = await this.#request<Record<string, unknown>>(
        'GET',
        `${secretsPath(target)}?branch=${encode(target.branch)}`,
        undefined,
        what,
      );
      if (Object.values(secrets).some((value) => typeof value !== 'string'))
        throw invalidResponse(what, 'an object of string values');
      const fetchedAt = this.#time.now();
      return {
        secrets: Object.freeze(secrets as Record<string, string>),
        fetchedAt,
        expiresAt: fetchedAt + this.#cacheTtlMs,
      };
    };
    try {
      const entry = !this.#cacheEnabled
        ? await read()
        : options.noCache
          ? await this.#cache.storeAfter(target, read)
          : await this.#cache.share(target, read);
      return { secrets: entry.secrets, stale: false, fromCache: false, fetchedAt: new Date(entry.fetchedAt) };
    } catch (error) {
      const last = this.#cache.get(target.projectId, target.env, target.branch);
      if (!this.#staleOnError || !last || !(error instanceof XtraError) || !servedStaleAfter(error)) throw error;
      const fetchedAt = new Date(last.fetchedAt);
      try {
        this.#onStale?.({ ...target, fetchedAt, error });
      } catch {
        // An observer's failure must not take the secrets away from the caller.
      }
      return { secrets: last.secrets, stale: true, fromCache: true, fetchedAt, error };
    }
  }

  /**
   * Reads the secrets of `env` and copies them into process.env: only variables that are unset,
   * unless `override`. Returns the names it set.
   */
  async injectSecrets(env: string, options: InjectSecretsOptions = {}): Promise<string[]> {
    const target = processEnvironment();
    if (!target)
      throw new XtraError(
        'injectSecrets sets process.env, which this runtime does not have: use getSecrets',
        'invalid-configuration',
      );
    const secrets = await this.getSecrets(env, options);
    const injected = Object.keys(secrets).filter((name) => options.override || target[name] === undefined);
    for (const name of injected) target[name] = secrets[name];
    return injected;
  }

  /** Forgets every cached read (stale-on-error has nothing to serve until the next answer). */
  clearCache(): void {
    this.#cache.invalidate();
  }

  /**
   * Writes `secrets` to `env` (default branch `main`) in one transaction. With
   * `expectedVersions`, a key whose version differs fails the whole write with an XtraError of
   * code `conflict` listing `conflicts`, and nothing is written. Drops the cached reads it affects.
   */
  async setSecrets(
    secrets: Record<string, string>,
    env: string,
    options: SetSecretsOptions = {},
  ): Promise<SetSecretsResult> {
    const target = this.#target(env, options);
    try {
      const { count, versions } = await this.#request<SetSecretsResult>(
        'POST',
        secretsPath(target),
        { secrets, branch: target.branch, expectedVersions: options.expectedVersions },
        `writing ${describe(target)}`,
        'count',
      );
      return { count, versions: versions ?? {} };
    } finally {
      // Whatever happened (even a conflict or a lost answer), the cached values may be out of
      // date. A write to main shows through every branch of that environment.
      this.#cache.invalidate(target.branch === 'main' ? { ...target, branch: undefined } : target);
    }
  }

  #target(env: string, options: { projectId?: string; branch?: string }): Target {
    const projectId = options.projectId ?? this.projectId;
    if (!projectId) throw missingProject();
    if (typeof env !== 'string' || !env.trim())
      throw new XtraError(
        `an environment is required, e.g. 'production'; got ${JSON.stringify(env)}`,
        'invalid-argument',
      );
    return { projectId, env: environmentName(env), branch: options.branch || 'main' };
  }

  /**
   * Sends a request and returns its JSON object (with `field`, when given), or throws an
   * XtraError. 429 and 503 wait as Retry-After says (or back off); network failures and other
   * 5xx back off exponentially with jitter — up to maxRetries. A write is sent again only when it
   * certainly did not run (connection refused, 429, 503).
   */
  async #request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: object | undefined,
    what: string,
    field?: string,
  ): Promise<T> {
    const repeatable = method === 'GET';
    const init = {
      method,
      headers: body ? { ...this.#headers, 'content-type': 'application/json' } : this.#headers,
      body: body && JSON.stringify(body),
    };
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      let response: Response | undefined;
      let text = '';
      let failure: unknown;
      try {
        response = await this.#transport(this.apiUrl + path, { ...init, signal: timeout });
        // Read here, within the time limit: a body that stops halfway is a failed attempt too.
        text = await response.text();
      } catch (error) {
        failure = error;
      }
      const delay =
        attempt <= this.#maxRetries
          ? retryDelayMs(
              attempt - 1,
              failure !== undefined ? { error: failure } : { response: response! },
              repeatable,
              this.#time.now(),
            )
          : undefined;
      if (delay !== undefined) {
        await this.#time.sleep(delay);
        continue;
      }
      if (failure !== undefined) throw this.#unreachable(what, failure, timeout.aborted, attempt, repeatable);
      // biome-ignore lint/suspicious/noExplicitAny: whatever JSON the server sent; read field by field below
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        // reported below
      }
      if (!response!.ok) throw this.#httpError(response!, json, text, what, attempt);
      if (typeof json !== 'object' || json === null || Array.isArray(json) || (field && !(field in json))) {
        throw invalidResponse(what, field ? `a JSON object with ${field}` : 'a JSON object');
      }
      return json;
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: whatever JSON the server sent; read field by field below
  #httpError(response: Response, json: any, text: string, what: string, attempts: number): XtraError {
    const status = response.status;
    const [code, advice] =
      STATUS_ADVICE[status] ?? (status >= 500 ? SERVER_FAILED : ['http-error', 'Check the request']);
    // The vault's own `{error: sentence}`; Fastify's and the auth service's `{error: reason, message}`.
    let said = String(
      (typeof json?.message === 'string' && json.message) ||
        (typeof json?.error === 'string' && json.error) ||
        text.trim().slice(0, 200) ||
        'no explanation',
    );
    // The answer for a path no route serves (Pavise's "Route GET /x not found", Fastify's
    // "Route GET:/x not found"): the URL is wrong, not the project.
    const hint =
      status === 404 && /^Route [A-Z]+[: ]\S* not found$/.test(said)
        ? `Is apiUrl (${this.apiUrl}) right? It ends in /api`
        : advice;
    const conflicts: XtraConflict[] | undefined =
      status === 409 ? (Array.isArray(json?.conflicts) ? json.conflicts : []) : undefined;
    if (conflicts?.length)
      said += ` (${conflicts.map((c) => `${c.key}: expected version ${c.expected}, found ${c.actual}`).join('; ')})`;
    if (status === 429) said += ` (Retry-After: ${response.headers.get('retry-after') ?? 'none'})`;
    if (attempts > 1) said += ` (${attempts} attempts)`;
    return new XtraError(`${what} failed: HTTP ${status}: ${said}. ${hint}.`, code, { status, conflicts });
  }

  #unreachable(what: string, failure: unknown, timedOut: boolean, attempts: number, repeatable: boolean): XtraError {
    const cause = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
    const detail = timedOut
      ? `no answer within ${this.#timeoutMs} ms`
      : cause instanceof Error
        ? ((cause as { code?: string }).code ?? cause.message)
        : String(cause);
    return new XtraError(
      `${what} failed: cannot reach ${this.apiUrl}: is the Pavise server running? (${detail}; ${attempts} attempt${attempts > 1 ? 's' : ''}) Start it with \`pavise serve\`, or point apiUrl / XTRA_API_URL at it${timedOut ? ', or raise timeoutMs' : ''}.` +
        (repeatable || neverReachedServer(failure) ? '' : ' The write may have happened: read before writing again.'),
      timedOut ? 'timeout' : 'network-error',
      { cause: failure },
    );
  }
}

const SERVER_FAILED: [string, string] = ['http-error', 'The server failed: check its logs, and try again later'];

/** The code and the advice of each status the vault answers with. */
const STATUS_ADVICE: Record<number, [string, string] | undefined> = {
  400: ['bad-request', 'Correct the request'],
  401: [
    'unauthorized',
    'The token is invalid, expired or revoked: create one with `pavise pat create --email <you>` and pass it as { token } or XTRA_TOKEN',
  ],
  403: ['forbidden', 'The token is valid but may not do this: ask an owner or admin of the project for access'],
  404: ['not-found', 'Check the name, or create it first'],
  409: ['conflict', 'Nothing was written: read the current state and try again'],
  429: ['rate-limited', 'Keep the cache on (a longer cacheTtl) to send fewer requests, or try again later'],
  503: ['unavailable', SERVER_FAILED[1]],
};

/** Failures after which the last good value is served: the server could not answer, rather than said no. */
const servedStaleAfter = ({ code, status }: XtraError) =>
  code === 'network-error' || code === 'timeout' || status === 429 || status! >= 500;

const secretsPath = ({ projectId, env }: Target) => `/projects/${encode(projectId)}/envs/${encode(env)}/secrets`;

const describe = ({ projectId, env, branch }: Target) =>
  `the ${env} secrets of project ${projectId} (branch ${branch})`;

const invalidResponse = (what: string, expected: string) =>
  new XtraError(
    `${what} failed: the server's answer is not ${expected}. Is apiUrl a Pavise API URL, ending in /api?`,
    'invalid-response',
  );

const missingProject = () =>
  new XtraError(
    'no project: pass { projectId } to the call or to new XtraClient, or set XTRA_PROJECT_ID',
    'invalid-configuration',
  );

function numberOption(
  value: number | undefined,
  fallback: number,
  name: string,
  minimum: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (!(value >= minimum && value < Infinity) || (integer && !Number.isInteger(value))) {
    throw new XtraError(
      `${name} must be a${integer ? 'n integer' : ' number'} ≥ ${minimum}, got ${value}`,
      'invalid-configuration',
    );
  }
  return value;
}
