import { PaviseError } from './errors.js';

/** The part of an Nhost session the client needs. */
interface Session {
  accessToken: string;
  accessTokenExpiresIn: number;
  refreshToken: string;
}

/** Sends one JSON POST to the auth service, with the client's retries; returns the final response. */
export type AuthPost = (url: string, body: unknown) => Promise<Response>;

/**
 * When to renew a token that the server said lives `expiresInSeconds`: the server counts from
 * its issued-at second, which may have begun up to a second before it answered, so a second is
 * taken off; then renew a fifth of the lifetime early (at most a minute), so no request leaves
 * with a token about to lapse in flight. Relative times only: the client's clock may be off.
 */
export function renewAfterMs(expiresInSeconds: number): number {
  const lifetimeMs = Math.max(0, expiresInSeconds - 1) * 1000;
  return lifetimeMs - Math.min(60_000, lifetimeMs / 5);
}

/** Where a client takes its access token from (a SessionKeeper, a BrowserSession). */
export interface AccessTokenSource {
  /** A token valid for a while yet. */
  token(): Promise<string>;
  /** A token to use instead of `refused`, which the server refused (401). */
  renewAfterRefusal(refused: string): Promise<string>;
}

/**
 * The access token of one client: signs in with the PAT on first use, refreshes with the refresh
 * token before expiry (falling back to the PAT when the refresh token is refused), and shares one
 * renewal among all callers that need it at the same time.
 */
export class SessionKeeper implements AccessTokenSource {
  private accessToken: string | undefined;
  private refreshAt = 0;
  private refreshToken: string | undefined;
  private renewal: Promise<string> | undefined;

  constructor(
    private readonly personalAccessToken: string,
    private readonly urls: { signInUrl: string; refreshUrl: string },
    private readonly post: AuthPost,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet, renewing it first if needed. */
  token(): Promise<string> {
    if (this.accessToken && this.now() < this.refreshAt) return Promise.resolve(this.accessToken);
    return this.renew();
  }

  /**
   * Renews the token the server refused (`refused`), unless another caller already replaced it.
   * Concurrent callers share one renewal.
   */
  renewAfterRefusal(refused: string): Promise<string> {
    if (this.accessToken && this.accessToken !== refused) return Promise.resolve(this.accessToken);
    this.refreshAt = 0;
    return this.renew();
  }

  private renew(): Promise<string> {
    this.renewal ??= this.obtain().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async obtain(): Promise<string> {
    if (this.refreshToken) {
      const response = await this.post(this.urls.refreshUrl, { refreshToken: this.refreshToken });
      if (response.ok) return this.keep(await readSession(response, false));
      // A refused refresh token (expired, revoked, reused) is not an error: sign in again.
      if (response.status !== 400 && response.status !== 401) throw await authError(response);
      this.refreshToken = undefined;
    }
    const response = await this.post(this.urls.signInUrl, { personalAccessToken: this.personalAccessToken });
    if (!response.ok) throw await authError(response);
    return this.keep(await readSession(response, true));
  }

  private keep(session: Session): string {
    this.accessToken = session.accessToken;
    this.refreshToken = session.refreshToken;
    this.refreshAt = this.now() + renewAfterMs(session.accessTokenExpiresIn);
    return session.accessToken;
  }
}

/** /v1/signin/pat answers {session}; /v1/token the bare session. */
async function readSession(response: Response, wrapped: boolean): Promise<Session> {
  const body = (await response.json().catch(() => undefined)) as ({ session?: Session } & Partial<Session>) | undefined;
  const session = wrapped ? body?.session : body;
  if (
    typeof session?.accessToken !== 'string' ||
    typeof session.refreshToken !== 'string' ||
    typeof session.accessTokenExpiresIn !== 'number'
  ) {
    throw new PaviseError('the auth service answered without a session', 'invalid-response', {
      status: response.status,
    });
  }
  return session as Session;
}

/** The auth service's {status, message, error} body as a PaviseError. */
async function authError(response: Response): Promise<PaviseError> {
  const body = (await response.json().catch(() => undefined)) as { message?: unknown; error?: unknown } | undefined;
  const code = typeof body?.error === 'string' ? body.error : response.status === 429 ? 'rate-limited' : 'http-error';
  const message =
    typeof body?.message === 'string' ? body.message : `the auth service answered HTTP ${response.status}`;
  const hint =
    code === 'invalid-pat' ? ' (check the personal access token: it may be mistyped, expired or revoked)' : '';
  return new PaviseError(`sign-in failed: ${message}${hint}`, code, { status: response.status });
}
