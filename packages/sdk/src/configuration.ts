import { PaviseError } from './errors.js';

/** The settings a client runs with, after options and the environment are combined. */
export interface ResolvedConfiguration {
  apiUrl: string;
  /** How the client signs in itself; undefined when it is given a session (options.session). */
  signIn: { personalAccessToken: string; signInUrl: string; refreshUrl: string } | undefined;
}

const SIGN_IN_PATH = '/v1/signin/pat';

/** process.env where there is one (Node); undefined in browsers. */
export function processEnvironment(): Record<string, string | undefined> | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
}

const environment = () => processEnvironment() ?? {};

/** The first value that is set and not blank, trimmed. */
export const firstSet = (...values: (string | undefined)[]) =>
  values.find((value) => value !== undefined && value.trim() !== '')?.trim();

function parseUrl(value: string, what: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new PaviseError(`${what} must be an http(s) URL, got ${JSON.stringify(value)}`, 'invalid-configuration');
}

/**
 * Options first, then PAVISE_PAT / PAVISE_AUTH_URL / PAVISE_API_URL, then the variables the Dxtra
 * samples use (DXTRA_API_KEY, DXTRA_AUTH_URL, DXTRA_API_URL). The auth URL may be the auth
 * service's base URL or the full sign-in URL the samples print (…/v1/signin/pat). A client given
 * a session (`withSession`) needs no PAT and no auth URL, and its GraphQL URL may be a path
 * ('/v1/graphql'), resolved against the page's location.
 */
export function resolveConfiguration(
  options: { personalAccessToken?: string; authUrl?: string; apiUrl?: string },
  withSession = false,
): ResolvedConfiguration {
  const env = environment();
  const apiUrl = firstSet(options.apiUrl, env.PAVISE_API_URL, env.DXTRA_API_URL);
  if (withSession) {
    if (!apiUrl)
      throw new PaviseError(
        "PaviseClient needs the GraphQL URL (option apiUrl, or PAVISE_API_URL / DXTRA_API_URL, e.g. /v1/graphql on the page's own origin)",
        'invalid-configuration',
      );
    return { apiUrl: parseUrl(onPage(apiUrl), 'the GraphQL URL').href, signIn: undefined };
  }
  const personalAccessToken = firstSet(options.personalAccessToken, env.PAVISE_PAT, env.DXTRA_API_KEY);
  const authUrl = firstSet(options.authUrl, env.PAVISE_AUTH_URL, env.DXTRA_AUTH_URL);
  const missing = [
    !personalAccessToken && 'a personal access token (option personalAccessToken, or PAVISE_PAT / DXTRA_API_KEY)',
    !authUrl && 'the auth URL (option authUrl, or PAVISE_AUTH_URL / DXTRA_AUTH_URL, e.g. http://localhost:8080)',
    !apiUrl &&
      'the GraphQL URL (option apiUrl, or PAVISE_API_URL / DXTRA_API_URL, e.g. http://localhost:8080/v1/graphql)',
  ].filter(Boolean);
  if (missing.length > 0) throw new PaviseError(`PaviseClient needs ${missing.join('; ')}`, 'invalid-configuration');

  const auth = parseUrl(authUrl!, 'the auth URL');
  const base = auth.href
    .replace(/\/+$/, '')
    .replace(/\/v1\/signin\/pat$/, '')
    .replace(/\/v1$/, '');
  return {
    apiUrl: parseUrl(apiUrl!, 'the GraphQL URL').href,
    signIn: {
      personalAccessToken: personalAccessToken!,
      signInUrl: `${base}${SIGN_IN_PATH}`,
      refreshUrl: `${base}/v1/token`,
    },
  };
}

/** A path ('/v1/graphql') as a URL on the page's own origin; anything else as it is. */
function onPage(url: string): string {
  if (!url.startsWith('/') || url.startsWith('//')) return url;
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (typeof page !== 'string')
    throw new PaviseError(
      `the GraphQL URL ${JSON.stringify(url)} is a path, and there is no page (globalThis.location) to resolve it against: give an http(s) URL`,
      'invalid-configuration',
    );
  return new URL(url, page).href;
}
