import { PaviseError } from './errors.js';
import { type AccessTokenSource, renewAfterMs } from './session.js';
import { type SdkTime, timeOf } from './time.js';

/** An account as the auth service describes it (docs/contracts.md §3.2). */
export interface User {
  activeMfaType: 'totp' | null;
  avatarUrl: string;
  createdAt: string;
  defaultRole: string;
  displayName: string;
  email?: string;
  emailVerified: boolean;
  id: string;
  isAnonymous: boolean;
  locale: string;
  metadata: Record<string, unknown>;
  phoneNumberVerified: boolean;
  roles: string[];
}

export interface BrowserSessionOptions {
  /** The auth service's base URL. Default: '' (the page's own origin, where cookie mode works). */
  authUrl?: string;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: typeof fetch;
  /** Time limit of each request, in milliseconds (default 30 000). */
  timeoutMs?: number;
}

/** What a password sign-in gives: the user, or, for an account with TOTP, the ticket of the second step. */
export type PasswordSignInResult = { user: User } | { mfa: { ticket: string } };

export interface AcceptedInvitation {
  dataControllerId: string;
  role: string;
  /** The new account, when the invitation was accepted with a password (and a session started). */
  user?: User;
}

/** A session as cookie mode answers it: its refresh token is in the cookie, not here. */
interface CookieSession {
  accessToken: string;
  accessTokenExpiresIn: number;
  user: User;
}

type Listener = (user: User | null) => void;

/**
 * The session of a browser app on the server's own origin (the console), in the auth service's
 * cookie mode (docs/contracts.md §3.11): the refresh token is in an HttpOnly cookie no script can
 * read, the access token in this object's memory only. After a reload, `resume()` asks the
 * server whether the cookie still holds a session. Give it to a PaviseClient as its `session`.
 *
 * Like the PAT client's session, it renews the access token before it expires (a fifth of its
 * lifetime early, at most a minute) and shares one renewal among all callers.
 */
export class BrowserSession implements AccessTokenSource {
  private accessToken: string | undefined;
  private refreshAt = 0;
  private current: User | null = null;
  private renewal: Promise<string> | undefined;
  /** Moved on by every sign-in and sign-out: a renewal begun before one does not undo it. */
  private generation = 0;
  private readonly listeners = new Set<Listener>();
  private readonly base: string;
  private readonly transport: typeof fetch;
  private readonly timeoutMs: number;
  private readonly time: SdkTime;

  constructor(options: BrowserSessionOptions = {}) {
    this.base = (options.authUrl ?? '').trim().replace(/\/+$/, '').replace(/\/v1$/, '');
    // Bound: browsers refuse a fetch called as a method of another object ("Illegal invocation").
    const transport = options.fetch ?? (globalThis.fetch as typeof fetch | undefined)?.bind(globalThis);
    if (typeof transport !== 'function')
      throw new PaviseError('no fetch available: pass options.fetch', 'invalid-configuration');
    this.transport = transport;
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new PaviseError(`timeoutMs must be a positive integer, got ${timeoutMs}`, 'invalid-configuration');
    this.timeoutMs = timeoutMs;
    this.time = timeOf(options);
  }

  /** The signed-in user, or null. */
  get user(): User | null {
    return this.current;
  }

  /** Calls `listener` with the user whenever it changes (signed in, signed out, the session lost); returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Signs in; for an account with TOTP active, answers the ticket to pass to signInWithTotp with a code. */
  async signInWithPassword(email: string, password: string): Promise<PasswordSignInResult> {
    const body = await this.post('/v1/signin/email-password', { email, password });
    const ticket = body?.mfa?.ticket;
    if (typeof ticket === 'string') return { mfa: { ticket } };
    return { user: this.start(body?.session) };
  }

  /** The second step of a two-factor sign-in: the ticket signInWithPassword gave, and a code of the user's app. */
  async signInWithTotp(ticket: string, otp: string): Promise<{ user: User }> {
    const body = await this.post('/v1/signin/mfa/totp', { ticket, otp });
    return { user: this.start(body?.session) };
  }

  /**
   * Accepts a team invitation: with a password, as a new account, which is then signed in;
   * without one, as the signed-in user (whose access token it sends).
   */
  async acceptInvitation(
    ticket: string,
    { password, displayName }: { password?: string; displayName?: string } = {},
  ): Promise<AcceptedInvitation> {
    const request = { ticket, password, displayName };
    let body: { dataControllerId: string; role: string; session: unknown } | undefined;
    if (password !== undefined) body = await this.post('/v1/invitations/accept', request);
    else {
      const token = await this.token();
      try {
        body = await this.post('/v1/invitations/accept', request, token);
      } catch (error) {
        // A token refused (revoked, or the server's keys rotated): renew once and send again.
        if (!(error instanceof PaviseError && error.code === 'unauthorized')) throw error;
        body = await this.post('/v1/invitations/accept', request, await this.renewAfterRefusal(token));
      }
    }
    const accepted: AcceptedInvitation = { dataControllerId: body!.dataControllerId, role: body!.role };
    if (body?.session) accepted.user = this.start(body.session);
    return accepted;
  }

  /**
   * The user, if the cookie still holds a session (after a reload: ask this first); else null.
   * Only a failure to ask (network, the server's 5xx, a rate limit) is an error.
   */
  async resume(): Promise<User | null> {
    if (this.accessToken && this.time.now() < this.refreshAt) return this.current;
    try {
      await this.renew();
    } catch (error) {
      if (error instanceof PaviseError && error.status === 401) return null;
      throw error;
    }
    return this.current;
  }

  /**
   * Ends the session: the server ends the cookie's and clears the cookie. The session is
   * forgotten here even if the request fails (which is rethrown: the cookie may then still hold it).
   */
  async signOut(): Promise<void> {
    this.generation++;
    try {
      await this.post('/v1/signout', {});
    } finally {
      this.forget();
    }
  }

  /** An access token valid for a while yet, renewed first if needed; a PaviseError (401) when signed out. */
  token(): Promise<string> {
    if (this.accessToken && this.time.now() < this.refreshAt) return Promise.resolve(this.accessToken);
    return this.renew();
  }

  /** Renews the token the server refused, unless another caller already replaced it; one renewal shared. */
  renewAfterRefusal(refused: string): Promise<string> {
    if (this.accessToken && this.accessToken !== refused) return Promise.resolve(this.accessToken);
    this.refreshAt = 0;
    return this.renew();
  }

  private renew(): Promise<string> {
    this.renewal ??= this.refresh().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  /** POST /v1/token with the cookie: the successor's cookie comes back with the answer. */
  private async refresh(): Promise<string> {
    const generation = this.generation;
    let session: CookieSession;
    try {
      session = readSession(await this.post('/v1/token', {}));
    } catch (error) {
      // The cookie holds no session (any more): signed out, unless a sign-in came meanwhile.
      if (error instanceof PaviseError && error.status === 401 && generation === this.generation) this.forget();
      throw error;
    }
    if (generation !== this.generation) {
      if (this.accessToken) return this.accessToken;
      throw new PaviseError('signed out while the session was being renewed', 'invalid-refresh-token', {
        status: 401,
      });
    }
    return this.keep(session);
  }

  /** A session a sign-in answered: it replaces whatever this held. */
  private start(session: unknown): User {
    this.generation++;
    this.keep(readSession(session));
    return this.current!;
  }

  private keep(session: CookieSession): string {
    this.accessToken = session.accessToken;
    this.refreshAt = this.time.now() + renewAfterMs(session.accessTokenExpiresIn);
    this.setUser(session.user);
    return session.accessToken;
  }

  private forget(): void {
    this.accessToken = undefined;
    this.refreshAt = 0;
    this.setUser(null);
  }

  private setUser(user: User | null): void {
    const changed = JSON.stringify(user) !== JSON.stringify(this.current);
    this.current = user;
    if (!changed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(user);
      } catch (error) {
        // A listener's failure is the app's to see, not the sign-in's.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  /** One JSON POST to the auth service in cookie mode; the server's refusal as a PaviseError. */
  // biome-ignore lint/suspicious/noExplicitAny: each caller reads the shape of its route's answer
  private async post(path: string, body: unknown, accessToken?: string): Promise<any> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await this.transport(`${this.base}${path}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/json',
          'x-pavise-session': 'cookie',
          ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        },
        body: JSON.stringify(body),
        signal: timeout,
      });
    } catch (error) {
      if (timeout.aborted) throw new PaviseError('the request timed out', 'timeout', { cause: error });
      const detail = error instanceof Error ? error.message : String(error);
      throw new PaviseError(`could not reach the server: ${detail}`, 'network-error', { cause: error });
    }
    const answer = (await response.json().catch(() => undefined)) as { error?: unknown; message?: unknown } | undefined;
    if (response.ok) return answer;
    const { status } = response;
    const code = typeof answer?.error === 'string' ? answer.error : status === 429 ? 'rate-limited' : 'http-error';
    const message = typeof answer?.message === 'string' ? answer.message : `the auth service answered HTTP ${status}`;
    throw new PaviseError(message, code, { status });
  }
}

function readSession(value: unknown): CookieSession {
  const session = value as Partial<CookieSession> | null | undefined;
  if (
    typeof session?.accessToken !== 'string' ||
    typeof session.accessTokenExpiresIn !== 'number' ||
    typeof session.user !== 'object' ||
    session.user === null
  )
    throw new PaviseError('the auth service answered without a session', 'invalid-response');
  return session as CookieSession;
}
