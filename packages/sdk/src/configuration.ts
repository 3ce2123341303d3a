import { PaviseError } from './errors.js';

/** The settings a client runs with, after options and the environment are combined. */
export interface ResolvedConfiguration {
  personalAccessToken: string;
  signInUrl: string;
  refreshUrl: string;
  apiUrl: string;
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
 * service's base URL or the full sign-in URL the samples print (…/v1/signin/pat).
 */
export function resolveConfiguration(options: {
  personalAccessToken?: string;
  authUrl?: string;
  apiUrl?: string;
}): ResolvedConfiguration {
  const env = environment();
  const personalAccessToken = firstSet(options.personalAccessToken, env.PAVISE_PAT, env.DXTRA_API_KEY);
  const authUrl = firstSet(options.authUrl, env.PAVISE_AUTH_URL, env.DXTRA_AUTH_URL);
  const apiUrl = firstSet(options.apiUrl, env.PAVISE_API_URL, env.DXTRA_API_URL);
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
    personalAccessToken: personalAccessToken!,
    signInUrl: `${base}${SIGN_IN_PATH}`,
    refreshUrl: `${base}/v1/token`,
    apiUrl: parseUrl(apiUrl!, 'the GraphQL URL').href,
  };
}
