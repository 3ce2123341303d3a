/**
 * Where a link in a mail may send the browser afterwards (`options.redirectTo`): the server's own
 * origin, the origins of PAVISE_REDIRECT_ORIGINS, and those the caller adds (a controller's
 * verified web origins). Anything else is refused before a mail is written: a magic link must not
 * be a way to send someone's session to a stranger's site (an open redirect).
 */
export class RedirectPolicy {
  constructor(
    private readonly ownOrigin: () => string,
    private readonly configured: readonly string[],
  ) {}

  /** Where to go when the request names nowhere: the server's own root. */
  defaultTarget(): string {
    return `${this.ownOrigin()}/`;
  }

  /** The URL, normalised, if it may be redirected to; undefined if not. */
  allowed(redirectTo: string, extraOrigins: readonly string[] = []): string | undefined {
    let url: URL;
    try {
      url = new URL(redirectTo);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.username || url.password) return undefined;
    const origins = [this.ownOrigin(), ...this.configured, ...extraOrigins];
    return origins.includes(url.origin) ? url.toString() : undefined;
  }
}
