/**
 * A web origin as browsers send it in the Origin header and as data_controller_origins stores it
 * (migration 0012): `http(s)://host[:port]`, lower case, without the scheme's default port. The
 * serialised origin of `text` when it is exactly such an origin (a trailing slash aside), else
 * undefined: a path, a query, credentials, another scheme, or the opaque origin "null".
 */
export function normaliseOrigin(text: string): string | undefined {
  if (text.length > 300) return undefined;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // "https://host" and "https://host/" both have the path "/": anything more is not an origin.
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  return url.origin;
}
