/**
 * The error body of a request refused before any surface's own handler could answer it (no such
 * route, a URL that does not decode, a body Fastify could not read), in the shape of the API its
 * URL belongs to, so that a client of one API never meets another's error envelope:
 * - /v1/graphql: Hasura's `{"errors": [{message, extensions: {path, code}}]}`;
 * - /api/rest/…: Hasura's REST `{"path", "error", "code"}`;
 * - /api/…: the vault's `{"error"}` (XtraSecurity's clients read it);
 * - everything else: the auth service's `{status, error, message}`.
 */
export function surfaceRefusal(url: string, status: number, message: string, code: string): object {
  const path = url.split('?')[0]!;
  if (path === '/v1/graphql') return { errors: [{ message, extensions: { path: '$', code } }] };
  if (path.startsWith('/api/rest/')) return { path: '$', error: message, code };
  if (path.startsWith('/api/')) return { error: message };
  return { status, error: status === 404 ? 'not-found' : 'invalid-request', message };
}

/** Fastify's own refusals of a body (malformed JSON, wrong content type, too large), in words. */
export function bodyRefusalMessage(error: { code?: string }, otherwise = 'The request is malformed'): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'The request body must be JSON (Content-Type: application/json)';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty; send a JSON object';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON';
    default:
      return error instanceof SyntaxError ? 'The request body is not valid JSON' : otherwise;
  }
}
