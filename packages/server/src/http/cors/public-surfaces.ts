/**
 * The routes a page on a data controller's verified origin may call (docs/contracts.md §1.1): the
 * GraphQL API, the REST endpoints, and the auth routes a widget uses. Every other route answers
 * cross-origin requests only from the server's own origin and PAVISE_CORS_ORIGINS.
 */
const WIDGET_AUTH_ROUTES = new Set(['/v1/signin/passwordless/email', '/v1/token', '/v1/signout', '/v1/user']);

/** Whether `url` (a request's URL, query string allowed) is one of those routes. */
export function isPublicSurface(url: string): boolean {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path === '/v1/graphql' || path.startsWith('/api/rest/') || WIDGET_AUTH_ROUTES.has(path);
}

/** Whether `url` is one of the auth routes among them (the others are GraphQL's). */
export function isWidgetAuthRoute(url: string): boolean {
  const query = url.indexOf('?');
  return WIDGET_AUTH_ROUTES.has(query === -1 ? url : url.slice(0, query));
}
