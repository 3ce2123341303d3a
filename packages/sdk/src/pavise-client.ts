import { resolveConfiguration } from './configuration.js';
import { bodyMayBeMutation, type DocumentInput, prepareDocument } from './documents.js';
import { type GraphQLErrorEntry, PaviseError } from './errors.js';
import { abortError, retryDelayMs } from './retry.js';
import { type AccessTokenSource, SessionKeeper } from './session.js';
import { type SdkTime, timeOf } from './time.js';

export interface PaviseClientOptions {
  /** Default: PAVISE_PAT, else DXTRA_API_KEY. */
  personalAccessToken?: string;
  /** The auth service's base URL or its /v1/signin/pat URL. Default: PAVISE_AUTH_URL, else DXTRA_AUTH_URL. */
  authUrl?: string;
  /**
   * The GraphQL URL. Default: PAVISE_API_URL, else DXTRA_API_URL. With `session`, it may be a
   * path ('/v1/graphql'), on the page's own origin.
   */
  apiUrl?: string;
  /**
   * Where the access tokens come from, instead of a sign-in with a PAT: a BrowserSession, or
   * anything with its `token()` and `renewAfterRefusal()`. With it, no PAT or auth URL is read.
   */
  session?: AccessTokenSource;
  /** Sent as X-Hasura-Role; default: the token's default role. */
  role?: string;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: typeof fetch;
  /** Time limit of each attempt, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Retries after a failed attempt (default 3); a refresh after a 401 is not counted. */
  maxRetries?: number;
}

export interface QueryOptions {
  /** Overrides the client's role for this request. */
  role?: string;
  signal?: AbortSignal;
  operationName?: string;
}

interface SendOptions {
  /** Whether to send the access token (and renew it on a 401); the auth service's own calls do not. */
  authenticated: boolean;
  role: string | undefined;
  signal: AbortSignal | undefined;
  /** May the request be sent again after a failure that leaves it unknown whether it ran? */
  repeatable: boolean;
}

type Attempt = { response: Response } | { error: unknown; timedOut: boolean };

/**
 * A client of Pavise's (and Dxtra's) GraphQL API that handles the token lifecycle and retries,
 * so callers write only their queries. See the package README.
 */
export class PaviseClient {
  readonly apiUrl: string;
  /**
   * A fetch-compatible function that authenticates requests (and renews the token on a 401),
   * with the client's retries: hand it to Apollo Client, urql or graphql-request.
   */
  readonly fetch: typeof fetch;
  private readonly transport: typeof fetch;
  private readonly session: AccessTokenSource;
  private readonly role: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly time: SdkTime;

  constructor(options: PaviseClientOptions = {}) {
    const configuration = resolveConfiguration(options, options.session !== undefined);
    // Bound: browsers refuse a fetch called as a method of another object ("Illegal invocation").
    const transport = options.fetch ?? (globalThis.fetch as typeof fetch | undefined)?.bind(globalThis);
    if (typeof transport !== 'function')
      throw new PaviseError('no fetch available: pass options.fetch', 'invalid-configuration');
    this.transport = transport;
    this.apiUrl = configuration.apiUrl;
    this.role = options.role;
    this.timeoutMs = positiveInteger(options.timeoutMs, 30_000, 'timeoutMs');
    this.maxRetries = positiveInteger(options.maxRetries, 3, 'maxRetries', true);
    this.time = timeOf(options);
    const { signIn } = configuration;
    this.session =
      options.session ??
      new SessionKeeper(
        signIn!.personalAccessToken,
        signIn!,
        (url, body) => this.postToAuth(url, body),
        () => this.time.now(),
      );
    this.fetch = (input, init) => this.authenticatedFetch(input, init);
  }

  /**
   * Runs a query or mutation and returns its `data`; any failure is a PaviseError, GraphQL errors
   * included (with the Hasura `code` and `path`).
   */
  // biome-ignore lint/suspicious/noExplicitAny: an untyped document's result is whatever the server sent
  async query<Result = any, Variables = Record<string, unknown>>(
    document: DocumentInput<Result, Variables>,
    variables?: Variables,
    options: QueryOptions = {},
  ): Promise<Result> {
    const { query, mayBeMutation } = await prepareDocument(
      document as DocumentInput<unknown, unknown>,
      options.operationName,
    );
    const body = JSON.stringify({
      query,
      variables: variables ?? {},
      ...(options.operationName ? { operationName: options.operationName } : {}),
    });
    const response = await this.send(
      (token, role) => new Request(this.apiUrl, { method: 'POST', headers: graphqlHeaders(token, role), body }),
      { authenticated: true, role: options.role ?? this.role, signal: options.signal, repeatable: !mayBeMutation },
    );
    return readData<Result>(response);
  }

  private async authenticatedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const original = new Request(input, init);
    // Kept as bytes, so a binary body (an upload) is resent intact after a 401 or a retry.
    const body =
      original.method === 'GET' || original.method === 'HEAD' ? undefined : await original.clone().arrayBuffer();
    const text = body === undefined ? undefined : new TextDecoder().decode(body);
    return this.send(
      (token, role) => {
        const request = new Request(original, body === undefined ? {} : { body });
        request.headers.set('authorization', `Bearer ${token}`);
        if (role && !request.headers.has('x-hasura-role')) request.headers.set('x-hasura-role', role);
        return request;
      },
      {
        authenticated: true,
        role: this.role,
        signal: init?.signal ?? original.signal,
        repeatable: !bodyMayBeMutation(text),
      },
    );
  }

  /**
   * Sends a request built with the current token: on a 401 renews the token and sends once more;
   * on 429/503 waits as Retry-After says (or backs off); on network failures and other 5xx backs
   * off exponentially with jitter — each up to maxRetries, and for a request that is not
   * repeatable only when it certainly did not run (connection refused, 429, 503).
   */
  private async send(
    build: (token: string, role: string | undefined) => Request,
    options: SendOptions,
  ): Promise<Response> {
    let renewedAfter401 = false;
    for (let attempt = 0; ; attempt++) {
      const token = options.authenticated ? await this.session.token() : '';
      const result = await this.attempt(build(token, options.role), options.signal);
      const failure = 'error' in result ? result : undefined;
      const response = 'response' in result ? result.response : undefined;
      if (options.authenticated && response?.status === 401 && !renewedAfter401) {
        // A 401 means the request was refused, not run: renew and resend once, not counted as a retry.
        renewedAfter401 = true;
        await response.body?.cancel();
        await this.session.renewAfterRefusal(token);
        attempt--;
        continue;
      }
      const delay = this.retryDelay(attempt, failure, response, options.repeatable);
      if (delay === undefined) {
        if (failure) throw networkError(failure);
        return response!;
      }
      await response?.body?.cancel();
      await this.time.sleep(delay, options.signal);
    }
  }

  /** How long to wait before the next attempt, or undefined when there is to be none. */
  private retryDelay(
    attempt: number,
    failure: { error: unknown; timedOut: boolean } | undefined,
    response: Response | undefined,
    repeatable: boolean,
  ): number | undefined {
    if (attempt >= this.maxRetries) return undefined;
    return retryDelayMs(attempt, failure ?? { response: response! }, repeatable, this.time.now());
  }

  /** One attempt, bounded by timeoutMs; a network failure or timeout is returned, not thrown. */
  private async attempt(request: Request, signal: AbortSignal | undefined): Promise<Attempt> {
    if (signal?.aborted) throw abortError(signal);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return {
        response: await this.transport(
          new Request(request, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout }),
        ),
      };
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      return { error, timedOut: timeout.aborted };
    }
  }

  /** Auth calls get the same retries; repeating a sign-in or refresh is harmless. */
  private postToAuth(url: string, body: unknown): Promise<Response> {
    const text = JSON.stringify(body);
    return this.send(
      () => new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }),
      {
        authenticated: false,
        role: undefined,
        signal: undefined,
        repeatable: true,
      },
    );
  }
}

function graphqlHeaders(token: string, role: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
    ...(role ? { 'x-hasura-role': role } : {}),
  };
}

/** The response's `data`, or a PaviseError for GraphQL errors and failed statuses. */
async function readData<Result>(response: Response): Promise<Result> {
  const text = await response.text();
  let body: { data?: unknown; errors?: GraphQLErrorEntry[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const errors = Array.isArray(body?.errors) ? body!.errors : undefined;
  if (errors && errors.length > 0) {
    const [first] = errors;
    return Promise.reject(
      new PaviseError(first!.message, first!.extensions?.code ?? 'unexpected', {
        status: response.status,
        errors,
        path: first!.extensions?.path,
      }),
    );
  }
  if (!response.ok) {
    const code = response.status === 429 ? 'rate-limited' : response.status === 503 ? 'unavailable' : 'http-error';
    const wait = response.headers.get('retry-after');
    throw new PaviseError(
      `the GraphQL API answered HTTP ${response.status}${wait ? ` (Retry-After: ${wait})` : ''}`,
      code,
      { status: response.status },
    );
  }
  if (body === undefined || !('data' in body))
    throw new PaviseError('the GraphQL API answered without data', 'invalid-response', { status: response.status });
  return body.data as Result;
}

function networkError(failure: { error: unknown; timedOut: boolean }): PaviseError {
  if (failure.timedOut) return new PaviseError('the request timed out', 'timeout', { cause: failure.error });
  const detail =
    failure.error instanceof Error
      ? failure.error.cause instanceof Error
        ? failure.error.cause.message
        : failure.error.message
      : String(failure.error);
  return new PaviseError(`could not reach the server: ${detail}`, 'network-error', { cause: failure.error });
}

function positiveInteger(value: number | undefined, fallback: number, name: string, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new PaviseError(
      `${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got ${value}`,
      'invalid-configuration',
    );
  }
  return value;
}
