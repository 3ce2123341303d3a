import assert from 'node:assert/strict';

/** A small JSON client for the tests: status, headers and parsed body of one request. */
export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function request<T = any>(
  url: string,
  options: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {},
): Promise<Response<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** The payload of a JWT, without verifying it. */
export function decodeJwt(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** An auth-service refusal: `status`, and exactly the envelope `{status, error, message}` (docs/contracts.md §3.3). */
export function assertAuthError(response: Response, status: number, error: string, message: string): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, { status, error, message });
}

/** A GraphQL answer of one error and no data: `{errors: [{message, extensions: {path, code}}]}` (docs/contracts.md §4.7). */
export function graphqlError(message: string, code: string, path = '$') {
  return { errors: [{ message, extensions: { path, code } }] };
}

/** A GraphQL refusal: HTTP `status` (200 for a refused document, as Hasura answers) and exactly graphqlError's body. */
export function assertGraphqlError(response: Response, message: string, code: string, path = '$', status = 200): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, graphqlError(message, code, path));
}
