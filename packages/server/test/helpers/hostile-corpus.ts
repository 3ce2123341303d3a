import { createHmac } from 'node:crypto';
import { generateToken } from '../../src/auth/tokens.js';

/**
 * The hostile-input corpus (issue 17, part 6): requests that must cost the server nothing and be
 * refused in the surface's own error shape, never with a 5xx, and never change the database. The
 * test that runs it is ../hostile-input.test.ts; this file is only the table.
 *
 * A case's url, header values and body may name the fixtures the test makes before the corpus
 * runs; they are filled in when the case is sent:
 *   $ACCESS      an access token (JWT) of the bootstrap owner
 *   $PAT         the owner's personal access token
 *   $REFRESH     a refresh token of the owner (never consumed: no case refreshes successfully)
 *   $PROJECT     a vault project of the owner (with secrets in development)
 *   $CONTROLLER  the owner's data controller
 *
 * Huge payloads are built once, here, and shared by the cases.
 */

export type Surface = 'auth' | 'graphql' | 'rest' | 'vault' | 'system';

export interface HostileCase {
  surface: Surface;
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Sent as given; Content-Type is application/json for any body unless named here. */
  headers?: Record<string, string>;
  /** A string or Buffer is sent as it is; an object as JSON.stringify of it. */
  body?: string | Buffer | object;
  expect?: {
    /** The status (or one of the statuses) the fixed server answers; by default any refusal of the surface. */
    status?: number | number[];
    /** A word the error message (or a GraphQL error's path) must contain: the field that was refused. */
    mentions?: string;
    /** GraphQL: the extensions.code of the first error (or one of these). */
    code?: string | string[];
  };
}

// ---------------------------------------------------------------------------------------------
// Payloads, built once

/** 900 KiB: under the 1 MiB body limit, far over any field's sensible size. */
export const HUGE = 'a'.repeat(900 * 1024);
/** A body over the 1 MiB limit. */
const OVER_LIMIT = JSON.stringify({ query: `{ __typename }\n#${'x'.repeat(1_100_000)}` });

/** JSON text nested `depth` levels: arrays, or objects of `key`, around `inner`. */
export const deepArray = (depth: number, inner = '0') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
export const deepObject = (depth: number, key = 'a', inner = '{}') =>
  `${`{"${key}":`.repeat(depth)}${inner}${'}'.repeat(depth)}`;

const DEEP_ARRAY_10K = deepArray(10_000);
const DEEP_OBJECT_10K = deepObject(10_000);
const DEEP_ARRAY_100 = deepArray(100);
const DEEP_OBJECT_100 = deepObject(100);
/** 200 000 elements (~400 KB). */
const HUGE_ARRAY = `[${Array(200_000).fill('0').join(',')}]`;

/** A JSON body `{"email": <raw bytes>, "password": ...}`: invalid UTF-8 (0xff 0xfe) inside a string. */
const BAD_UTF8 = Buffer.from([0xff, 0xfe]);
export const withBadUtf8 = (before: string, after: string) =>
  Buffer.concat([Buffer.from(before, 'utf8'), BAD_UTF8, Buffer.from(after, 'utf8')]);

/** A lone surrogate, as JSON text (`"\ud800"`): JSON.stringify writes it escaped like this. */
// Long enough to pass any length rule (a password's minimum), so only the character is at fault.
const LONE = 'hostile\ud800value';
const NUL = 'hostile\u0000value';
const TRAVERSAL = '../../etc/passwd';
const ENCODED_TRAVERSAL = '..%2f..%2fetc%2fpasswd';

// GraphQL documents
const NOTICES_WHERE = 'query Q($w: privacyNotices_bool_exp) { privacyNotices(where: $w) { id } }';
const NOTICES_TITLE = 'query Q($t: String) { privacyNotices(where: {title: {_eq: $t}}) { id } }';
/** $v is used, so that a nested value reaches variable coercion rather than an unused-variable error. */
const NOTICES_ANY = 'query Q($v: [String!]) { privacyNotices(where: {title: {_in: $v}}) { id } }';
const nested = (depth: number, open: (inner: string) => string) => {
  let text = '{id: {_is_null: false}}';
  for (let i = 0; i < depth; i++) text = open(text);
  return text;
};
const whereInText = (depth: number, wrap: (inner: string) => string) =>
  `{ privacyNotices(where: ${nested(depth, wrap)}) { id } }`;
const ALIASES_5000 = `{ ${Array.from({ length: 5_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
/** Each fragment spreads the one before twice: 2^40 __typename selections once expanded. */
const FRAGMENT_BOMB = (() => {
  const fragments = ['fragment F0 on query_root { __typename }'];
  for (let i = 1; i <= 40; i++) fragments.push(`fragment F${i} on query_root { ...F${i - 1} ...F${i - 1} }`);
  return `query { ...F40 }\n${fragments.join('\n')}`;
})();
const BATCH_5000 = JSON.stringify(Array.from({ length: 5_000 }, () => ({ query: '{ __typename }' })));
const BATCH_21 = JSON.stringify(Array.from({ length: 21 }, () => ({ query: '{ __typename }' })));
/** Valid GraphQL of ~900 KB (a comment pads it): over PAVISE_GRAPHQL_MAX_QUERY_BYTES as the test sets it. */
const PADDED_QUERY = `{ __typename }\n#${HUGE}`;

// Credentials
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const CLAIMS = {
  sub: '00000000-0000-4000-8000-000000000001',
  iat: 1_700_000_000,
  exp: 4_102_444_800, // 2100
  'https://hasura.io/jwt/claims': {
    'x-hasura-user-id': '00000000-0000-4000-8000-000000000001',
    'x-hasura-default-role': 'user',
    'x-hasura-allowed-roles': ['user', 'admin'],
  },
};
/** A JWT that claims no signature is needed. */
const ALG_NONE_JWT = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(CLAIMS)}.`;
/** A JWT signed, correctly, with a key that is not the server's. */
const FOREIGN_JWT = (() => {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(CLAIMS)}`;
  return `${head}.${createHmac('sha256', 'not the server key, but 32+ characters long').update(head).digest('base64url')}`;
})();
/** The right prefix, length and checksum: only the database can tell it is nobody's. */
const RANDOM_PAT = generateToken('pat');
const RANDOM_RT = generateToken('rt');
/** An Authorization header over Node's 16 KiB header limit. */
const HUGE_AUTHORIZATION = `Bearer ${'a'.repeat(17_000)}`;
/**
 * 1 000 headers (about 10 KB, under the size limit). Node keeps only the first 1 000 header
 * lines of a request (maxHeadersCount): one sent after them is silently dropped.
 */
const MANY_HEADERS = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`x-h${i}`, '1']));
/** Header bytes that are not UTF-8 (fetch sends a latin1 string as its bytes). */
const LATIN1_BYTES = 'Bearer \u00ff\u00fe';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ACCESS = bearer('$ACCESS');
const PAT = bearer('$PAT');

/** A maker of one surface's cases, sent with the surface's credentials. */
const casesOf =
  (surface: Surface, headers: Record<string, string>) =>
  (
    name: string,
    method: HostileCase['method'],
    url: string,
    body?: HostileCase['body'],
    expect?: HostileCase['expect'],
  ): HostileCase => ({ surface, name, method, url, headers, body, expect });

// ---------------------------------------------------------------------------------------------
// Cases, per surface. Each section lists its shared cases (nesting, malformed bodies, headers)
// first, then the string-content cases field by field.

/** The same malformed bodies for every JSON endpoint: what is sent, and the statuses that refuse it. */
const MALFORMED_BODIES: [what: string, body: string | Buffer, status: number | number[], contentType?: string][] = [
  ['arrays nested 10 000 deep', DEEP_ARRAY_10K, 400],
  ['objects nested 10 000 deep', DEEP_OBJECT_10K, 400],
  ['arrays nested 100 deep', DEEP_ARRAY_100, 400],
  ['objects nested 100 deep', DEEP_OBJECT_100, 400],
  ['a 200 000-element array', HUGE_ARRAY, 400],
  ['body over 1 MiB', OVER_LIMIT, [400, 413]],
  ['malformed JSON', '{"a": ', 400],
  ['text/plain body', 'hello', [400, 415], 'text/plain'],
  ['empty JSON body', '', 400],
  ['raw invalid UTF-8 as the whole body', Buffer.from([0xff, 0xfe, 0xfd]), 400],
];

function malformedBodies(surface: Surface, method: HostileCase['method'], url: string, headers = {}): HostileCase[] {
  return MALFORMED_BODIES.map(([what, body, status, contentType]) => ({
    surface,
    name: `${url}: ${what}`,
    method,
    url,
    headers: contentType ? { ...headers, 'content-type': contentType } : headers,
    body,
    expect: { status },
  }));
}

/** Bad credentials on an endpoint that needs them. */
function badCredentials(surface: Surface, method: HostileCase['method'], url: string, body?: object): HostileCase[] {
  const refusal = { status: [400, 401, 403, 431] };
  const auth = (authorization: string) => ({ authorization });
  return [
    { surface, name: `${url}: "Bearer" with nothing`, method, url, headers: auth('Bearer'), body, expect: refusal },
    { surface, name: `${url}: "Bearer a.b"`, method, url, headers: auth('Bearer a.b'), body, expect: refusal },
    { surface, name: `${url}: a JWT with alg none`, method, url, headers: bearer(ALG_NONE_JWT), body, expect: refusal },
    {
      surface,
      name: `${url}: a JWT signed with another key`,
      method,
      url,
      headers: bearer(FOREIGN_JWT),
      body,
      expect: refusal,
    },
    {
      surface,
      name: `${url}: a well-formed random PAT`,
      method,
      url,
      headers: bearer(RANDOM_PAT),
      body,
      expect: refusal,
    },
    {
      surface,
      name: `${url}: a 17 KB Authorization header`,
      method,
      url,
      headers: auth(HUGE_AUTHORIZATION),
      body,
      expect: refusal,
    },
    {
      surface,
      name: `${url}: invalid UTF-8 bytes in Authorization`,
      method,
      url,
      headers: auth(LATIN1_BYTES),
      body,
      expect: refusal,
    },
    {
      surface,
      name: `${url}: a random PAT, then 1 000 headers`,
      method,
      url,
      headers: { ...bearer(RANDOM_PAT), ...MANY_HEADERS },
      body,
      expect: refusal,
    },
    {
      // Node drops the Authorization header here: the request must not be served as anonymous.
      surface,
      name: `${url}: 1 000 headers, then a random PAT`,
      method,
      url,
      headers: { ...MANY_HEADERS, ...bearer(RANDOM_PAT) },
      body,
      expect: refusal,
    },
  ];
}

/** NUL, lone surrogate, raw invalid UTF-8 and 900 KB in one string field of a JSON body. */
function stringField(
  surface: Surface,
  method: HostileCase['method'],
  url: string,
  /** The other fields of the body; a function when each variant needs fresh ones (unique names). */
  others: Record<string, unknown> | (() => Record<string, unknown>),
  field: string,
  /** suffix: appended to each hostile value, so that it passes the field's other rules (an e-mail's "@"). */
  options: { headers?: Record<string, string>; mentions?: string; huge?: boolean; suffix?: string } = {},
): HostileCase[] {
  const { headers = {}, mentions = field, huge = true, suffix = '' } = options;
  const fields = typeof others === 'function' ? others : () => others;
  const raw = JSON.stringify({ ...fields(), [field]: '\u0001SPLIT\u0001' }).split('"\\u0001SPLIT\\u0001"');
  const variants: [what: string, body: HostileCase['body'], expect?: HostileCase['expect']][] = [
    [`NUL in ${field}`, { ...fields(), [field]: NUL + suffix }, { status: 400, mentions }],
    [`lone surrogate in ${field}`, { ...fields(), [field]: LONE + suffix }, { status: 400, mentions }],
    [
      `invalid UTF-8 bytes in ${field}`,
      withBadUtf8(`${raw[0]}"hostile`, `value${suffix}"${raw[1]}`),
      { status: 400, mentions },
    ],
  ];
  if (huge) variants.push([`900 KB ${field}`, { ...fields(), [field]: HUGE + suffix }]);
  return variants.map(([what, body, expect]) => ({
    surface,
    name: `${url}: ${what}`,
    method,
    url,
    headers,
    body,
    expect,
  }));
}

let unique = 0;
/** A fresh e-mail (or name) per case, so one case's (wrong) success cannot turn the next into a 409. */
const email = () => `hostile-${++unique}@example.com`;
const name = () => `hostile-${++unique}`;

// --- auth (/v1/signin/*, /v1/signup/*, /v1/token, /v1/signout, /v1/pat, /v1/user) -------------

/** A POST to the auth service, refused as `expect` says. */
const auth = (
  url: string,
  what: string,
  body: HostileCase['body'],
  expect: HostileCase['expect'],
  headers?: Record<string, string>,
) => ({ surface: 'auth', name: `${url}: ${what}`, method: 'POST', url, headers, body, expect }) as HostileCase;

const AUTH: HostileCase[] = [
  ...malformedBodies('auth', 'POST', '/v1/signin/email-password'),
  ...malformedBodies('auth', 'POST', '/v1/signup/email-password'),
  ...stringField(
    'auth',
    'POST',
    '/v1/signin/email-password',
    { email: 'admin@localhost', password: 'password' },
    'email',
    { suffix: '@example.com' },
  ),
  ...stringField(
    'auth',
    'POST',
    '/v1/signin/email-password',
    { email: 'admin@localhost', password: 'password' },
    'password',
  ),
  ...stringField('auth', 'POST', '/v1/signup/email-password', { password: 'A-long-passw0rd' }, 'email', {
    suffix: '@example.com',
  }),
  ...stringField('auth', 'POST', '/v1/signup/email-password', () => ({ email: email() }), 'password'),
  ...stringField(
    'auth',
    'POST',
    '/v1/signup/email-password',
    () => ({ email: email(), password: 'A-long-passw0rd' }),
    'displayName',
    { huge: false },
  ).map((c) => ({ ...c, body: nestUnderOptions(c.body) })),
  auth(
    '/v1/signup/email-password',
    'metadata nested 100 deep',
    `{"email":"${email()}","password":"A-long-passw0rd","options":{"metadata":${DEEP_OBJECT_100}}}`,
    { status: 400 },
  ),
  auth(
    '/v1/signup/email-password',
    'NUL in a metadata key',
    { email: email(), password: 'A-long-passw0rd', options: { metadata: { [NUL]: 1 } } },
    { status: 400, mentions: 'metadata' },
  ),
  auth(
    '/v1/signup/email-password',
    '900 KB of metadata',
    { email: email(), password: 'A-long-passw0rd', options: { metadata: { notes: HUGE } } },
    { status: [400, 413] },
  ),
  ...malformedBodies('auth', 'POST', '/v1/signin/mfa/totp'),
  ...stringField('auth', 'POST', '/v1/signin/mfa/totp', { otp: '123456' }, 'ticket'),
  ...stringField('auth', 'POST', '/v1/signin/mfa/totp', { ticket: 'mfaTotp:x' }, 'otp'),
  ...badCredentials('auth', 'POST', '/v1/user/mfa', { code: '123456' }),
  ...stringField('auth', 'POST', '/v1/signin/pat', {}, 'personalAccessToken'),
  auth('/v1/signin/pat', 'a well-formed random PAT', { personalAccessToken: RANDOM_PAT }, { status: 401 }),
  auth(
    '/v1/signin/pat',
    'the PAT format with a wrong checksum',
    { personalAccessToken: `${RANDOM_PAT.slice(0, -6)}000000` },
    { status: [400, 401] },
  ),
  ...stringField('auth', 'POST', '/v1/token', {}, 'refreshToken'),
  auth('/v1/token', 'a well-formed random refresh token', { refreshToken: RANDOM_RT }, { status: 401 }),
  ...stringField('auth', 'POST', '/v1/signout', {}, 'refreshToken', { huge: false }),
  ...stringField('auth', 'POST', '/v1/pat', { expiresAt: '2099-01-01T00:00:00Z' }, 'expiresAt', { headers: ACCESS }),
  {
    surface: 'auth',
    name: '/v1/pat: NUL in metadata',
    method: 'POST',
    url: '/v1/pat',
    headers: ACCESS,
    body: { expiresAt: '2099-01-01T00:00:00Z', metadata: { name: NUL } },
    expect: { status: 400, mentions: 'metadata' },
  },
  {
    surface: 'auth',
    name: '/v1/pat: metadata nested 100 deep',
    method: 'POST',
    url: '/v1/pat',
    headers: ACCESS,
    body: `{"expiresAt":"2099-01-01T00:00:00Z","metadata":${DEEP_OBJECT_100}}`,
    expect: { status: 400 },
  },
  {
    surface: 'auth',
    name: '/v1/pat/%00 (DELETE)',
    method: 'DELETE',
    url: '/v1/pat/%00',
    headers: ACCESS,
    expect: { status: [400, 404] },
  },
  {
    surface: 'auth',
    name: `/v1/pat/${ENCODED_TRAVERSAL} (DELETE)`,
    method: 'DELETE',
    url: `/v1/pat/${ENCODED_TRAVERSAL}`,
    headers: ACCESS,
    expect: { status: [400, 404] },
  },
  ...badCredentials('auth', 'GET', '/v1/user'),
];

function nestUnderOptions(body: HostileCase['body']): HostileCase['body'] {
  // stringField puts the field at the top level; displayName lives in "options".
  if (Buffer.isBuffer(body)) {
    const text = body.toString('latin1').replace('"displayName":', '"options":{"displayName":');
    return Buffer.from(`${text.slice(0, -1)}}}`, 'latin1');
  }
  const { displayName, ...rest } = body as Record<string, unknown>;
  return { ...rest, options: { displayName } };
}

// --- GraphQL (POST /v1/graphql) ---------------------------------------------------------------

/**
 * Two kinds of GraphQL refusal: the body itself is refused (JSON nested too deep, a NUL, a lone
 * surrogate or invalid UTF-8 in a JSON string): 400 with the errors envelope; or the request
 * parses but is over a GraphQL limit: the envelope with 200 (Hasura's way) or 400.
 */
const gql =
  (status: number | number[]) =>
  (name: string, body: HostileCase['body'], expect: HostileCase['expect'] = {}): HostileCase => ({
    surface: 'graphql',
    name,
    method: 'POST',
    url: '/v1/graphql',
    headers: ACCESS,
    body,
    expect: { status, code: 'validation-failed', ...expect },
  });
const gqlBody = gql(400);
const gqlLimit = gql([200, 400]);
const variables = (query: string, text: string) => `{"query":${JSON.stringify(query)},"variables":${text}}`;

const GRAPHQL: HostileCase[] = [
  // Bodies
  // Refused bodies are 400s in the errors envelope; a 200 000-element array is a batch over its
  // limit, and Hasura reads a text/plain body as JSON: those two may be 200s, as request errors.
  ...malformedBodies('graphql', 'POST', '/v1/graphql', ACCESS).map((c) => ({
    ...c,
    expect: {
      status: /200 000-element|text\/plain/.test(c.name) ? [200, 400, 415] : c.expect!.status,
      code: ['validation-failed', 'invalid-json', 'parse-failed'],
    },
  })),
  // Nesting in variables
  gqlBody('$w nested 20 000 deep (_not)', variables(NOTICES_WHERE, `{"w":${deepObject(20_000, '_not')}}`)),
  gqlBody('$w nested 2 000 deep (_not)', variables(NOTICES_WHERE, `{"w":${deepObject(2_000, '_not')}}`)),
  gqlBody(
    '$w nested 2 000 deep (_and arrays)',
    variables(NOTICES_WHERE, `{"w":${'{"_and":['.repeat(2_000)}{}${']}'.repeat(2_000)}}`),
  ),
  gqlBody('$v objects nested 10 000 deep', variables(NOTICES_ANY, `{"v":${DEEP_OBJECT_10K}}`)),
  gqlBody('$v arrays nested 10 000 deep', variables(NOTICES_ANY, `{"v":${DEEP_ARRAY_10K}}`)),
  gqlBody('$v objects nested 100 deep', variables(NOTICES_ANY, `{"v":${DEEP_OBJECT_100}}`)),
  gqlBody('$v arrays nested 100 deep', variables(NOTICES_ANY, `{"v":${DEEP_ARRAY_100}}`)),
  gqlLimit(
    '$w with _or of 200 000 items',
    variables(NOTICES_WHERE, `{"w":{"_or":[${Array(200_000).fill('{}').join(',')}]}}`),
  ),
  // Nesting in the query text
  gqlLimit('_and nested 500 deep in the query text', { query: whereInText(500, (inner) => `{_and: [${inner}]}`) }),
  gqlLimit('_or nested 500 deep in the query text', { query: whereInText(500, (inner) => `{_or: [${inner}]}`) }),
  gqlLimit('_not nested 500 deep in the query text', { query: whereInText(500, (inner) => `{_not: ${inner}}`) }),
  gqlLimit('_not nested 20 000 deep in the query text', { query: whereInText(20_000, (inner) => `{_not: ${inner}}`) }),
  gqlLimit('selections nested 10 000 deep in the query text', {
    query: `{ ${'privacyNotices { '.repeat(10_000)}id${' }'.repeat(10_000)} }`,
  }),
  // Width
  gqlLimit('5 000 aliases of __typename', { query: ALIASES_5000 }),
  gqlLimit('a fragment bomb (2^40 selections)', { query: FRAGMENT_BOMB }),
  gqlLimit('a batch of 5 000 queries', BATCH_5000),
  gqlLimit('a batch of 21 queries (one over the default limit)', BATCH_21),
  gqlLimit('900 KB of query text (over PAVISE_GRAPHQL_MAX_QUERY_BYTES)', { query: PADDED_QUERY }),
  gqlBody('query text over 1 MiB', OVER_LIMIT, { status: [400, 413] }),
  // Huge strings
  gqlLimit('900 KB string variable', { query: NOTICES_TITLE, variables: { t: HUGE } }),
  gqlLimit('900 KB string literal in the query text', {
    query: `{ privacyNotices(where: {title: {_eq: "${HUGE}"}}) { id } }`,
  }),
  gqlLimit('900 KB operationName', { query: NOTICES_TITLE, operationName: HUGE }),
  // String content: variables, literals, operationName, variable names
  gqlBody('NUL in variable $t', { query: NOTICES_TITLE, variables: { t: NUL } }, { mentions: 't' }),
  gqlBody('lone surrogate in variable $t', { query: NOTICES_TITLE, variables: { t: LONE } }, { mentions: 't' }),
  gqlBody(
    'invalid UTF-8 bytes in variable $t',
    withBadUtf8(`{"query":${JSON.stringify(NOTICES_TITLE)},"variables":{"t":"a`, 'b"}}'),
    { mentions: 't' },
  ),
  gqlBody('NUL in a variable name', { query: NOTICES_TITLE, variables: { [NUL]: 'x' } }),
  gqlLimit(
    'NUL in a string literal (GraphQL escape)',
    { query: '{ privacyNotices(where: {title: {_eq: "a\\u0000b"}}) { id } }' },
    { mentions: 'title' },
  ),
  gqlLimit('lone surrogate in a string literal (GraphQL escape)', {
    query: '{ privacyNotices(where: {title: {_eq: "a\\ud800b"}}) { id } }',
  }),
  gqlBody('a raw NUL character in the query text', {
    query: `{ privacyNotices(where: {title: {_eq: "${NUL}"}}) { id } }`,
  }),
  gqlBody('a lone surrogate in the query text', {
    query: `{ privacyNotices(where: {title: {_eq: "${LONE}"}}) { id } }`,
  }),
  gqlBody('invalid UTF-8 bytes in the query text', withBadUtf8('{"query":"{ __typename } # ', '"}')),
  gqlBody('NUL in operationName', { query: NOTICES_TITLE, operationName: NUL }, { mentions: 'operationName' }),
  gqlBody(
    'lone surrogate in operationName',
    { query: NOTICES_TITLE, operationName: LONE },
    { mentions: 'operationName' },
  ),
  gqlBody(
    'invalid UTF-8 bytes in operationName',
    withBadUtf8(`{"query":${JSON.stringify(NOTICES_TITLE)},"operationName":"Q`, '"}'),
    {
      mentions: 'operationName',
    },
  ),
  gqlBody(
    'NUL in a mutation argument (insertPrivacyNotices title)',
    {
      query:
        'mutation M($c: uuid!, $t: String!) { insertPrivacyNotices(objects: [{dataControllerId: $c, title: $t, noticeType: "privacy", language: "en", content: "x"}]) { affected_rows } }',
      variables: { c: '$CONTROLLER', t: NUL },
    },
    { mentions: 't' },
  ),
  // Credentials (Hasura: 401/403 in the errors envelope)
  ...badCredentials('graphql', 'POST', '/v1/graphql', { query: '{ __typename }' }).map((c) => ({
    ...c,
    expect: { ...c.expect, code: undefined },
  })),
  {
    surface: 'graphql',
    name: '/v1/graphql: a 17 KB x-hasura-admin-secret',
    method: 'POST',
    url: '/v1/graphql',
    headers: { 'x-hasura-admin-secret': HUGE_AUTHORIZATION },
    body: { query: '{ __typename }' },
    expect: { status: [400, 401, 431] },
  },
  {
    surface: 'graphql',
    name: '/v1/graphql: invalid UTF-8 bytes in x-hasura-role',
    method: 'POST',
    url: '/v1/graphql',
    headers: { ...ACCESS, 'x-hasura-role': '\u00ff\u00fe' },
    body: { query: '{ __typename }' },
    expect: { status: [400, 403] },
  },
];

// --- REST endpoints (/api/rest/...) ----------------------------------------------------------

const rest = casesOf('rest', ACCESS);
const NOTICES_REST = '/api/rest/getprivacynotices';

const REST: HostileCase[] = [
  rest('NUL in a query parameter', 'GET', `${NOTICES_REST}?dataControllerId=%00`, undefined, {
    mentions: 'dataControllerId',
  }),
  rest(
    'a lone surrogate in a query parameter (%ED%A0%80)',
    'GET',
    `${NOTICES_REST}?dataControllerId=%ED%A0%80`,
    undefined,
    {
      mentions: 'dataControllerId',
    },
  ),
  rest('invalid UTF-8 in a query parameter (%FF%FE)', 'GET', `${NOTICES_REST}?dataControllerId=%FF%FE`, undefined, {
    mentions: 'dataControllerId',
  }),
  rest(
    'NUL in a String! query parameter (answerfaq question)',
    'GET',
    '/api/rest/answerfaq?dataControllerId=$CONTROLLER&question=a%00b',
    undefined,
    {
      mentions: 'question',
    },
  ),
  rest('a 20 KB query parameter', 'GET', `${NOTICES_REST}?dataControllerId=${'a'.repeat(20_000)}`, undefined, {
    status: [400, 414, 431],
  }),
  rest('path traversal in the endpoint name', 'GET', `/api/rest/${ENCODED_TRAVERSAL}`, undefined, {
    status: [400, 404],
  }),
  rest('%00 in the endpoint name', 'GET', '/api/rest/getprivacynotices%00', undefined, { status: [400, 404] }),
  rest('NUL in a body variable', 'POST', NOTICES_REST, { dataControllerId: NUL }, { mentions: 'dataControllerId' }),
  rest(
    'lone surrogate in a body variable',
    'POST',
    NOTICES_REST,
    { dataControllerId: LONE },
    { mentions: 'dataControllerId' },
  ),
  rest('invalid UTF-8 bytes in a body variable', 'POST', NOTICES_REST, withBadUtf8('{"dataControllerId":"a', 'b"}'), {
    mentions: 'dataControllerId',
  }),
  rest('900 KB body variable', 'POST', NOTICES_REST, { dataControllerId: HUGE }),
  rest('objects nested 10 000 deep as the body', 'POST', NOTICES_REST, DEEP_OBJECT_10K, { status: 400 }),
  rest('a variable nested 100 deep', 'POST', NOTICES_REST, `{"dataControllerId":${DEEP_OBJECT_100}}`, { status: 400 }),
  rest('malformed JSON body', 'POST', NOTICES_REST, '{"dataControllerId": ', { status: 400 }),
  rest('body over 1 MiB', 'POST', NOTICES_REST, OVER_LIMIT, { status: [400, 413] }),
  rest(
    'NUL in a mutation variable (insertdatasubjectsrightsrequest requestType)',
    'POST',
    '/api/rest/insertdatasubjectsrightsrequest',
    { dataSubjectId: '00000000-0000-4000-8000-000000000001', requestType: NUL },
    { mentions: 'requestType' },
  ),
  ...badCredentials('rest', 'GET', `${NOTICES_REST}?dataControllerId=$CONTROLLER`),
];

// --- the secrets vault (/api/...) -------------------------------------------------------------

const vault = casesOf('vault', PAT);
const SECRETS = '/api/projects/$PROJECT/envs/development/secrets';

const VAULT: HostileCase[] = [
  ...malformedBodies('vault', 'POST', '/api/project', PAT),
  ...malformedBodies('vault', 'POST', SECRETS, PAT),
  // Project names and descriptions
  ...stringField('vault', 'POST', '/api/project', {}, 'name', { headers: PAT }),
  ...stringField('vault', 'POST', '/api/project', () => ({ name: name() }), 'description', {
    headers: PAT,
    huge: false,
  }),
  // Secret keys and values
  vault('NUL in a secret key', 'POST', SECRETS, { secrets: { [NUL]: 'v' } }, { status: 400, mentions: 'secrets' }),
  vault(
    'lone surrogate in a secret key',
    'POST',
    SECRETS,
    { secrets: { [LONE]: 'v' } },
    { status: 400, mentions: 'secrets' },
  ),
  vault('invalid UTF-8 bytes in a secret key', 'POST', SECRETS, withBadUtf8('{"secrets":{"K', '":"v"}}'), {
    status: 400,
    mentions: 'secrets',
  }),
  vault('path traversal as a secret key', 'POST', SECRETS, { secrets: { [TRAVERSAL]: 'v' } }, { status: 400 }),
  vault('900 KB secret key', 'POST', SECRETS, { secrets: { [HUGE]: 'v' } }, { status: 400 }),
  // Each refused value is named by its key.
  ...(
    [
      ['NUL in a secret value', { secrets: { HOSTILE_NUL: NUL } }, 'HOSTILE_NUL'],
      ['lone surrogate in a secret value', { secrets: { HOSTILE_LONE: LONE } }, 'HOSTILE_LONE'],
      ['invalid UTF-8 bytes in a secret value', withBadUtf8('{"secrets":{"HOSTILE_UTF8":"a', 'b"}}'), 'HOSTILE_UTF8'],
      ['900 KB secret value', { secrets: { HOSTILE_HUGE: HUGE } }, 'HOSTILE_HUGE'],
    ] as const
  ).map(([what, body, mentions]) => vault(what, 'POST', SECRETS, body, { status: 400, mentions })),
  vault(
    '5 000 secrets in one write',
    'POST',
    SECRETS,
    { secrets: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`K${i}`, 'v'])) },
    { status: 400 },
  ),
  vault('secrets as a 200 000-element array', 'POST', SECRETS, `{"secrets":${HUGE_ARRAY}}`, { status: 400 }),
  vault('a secret value nested 100 deep', 'POST', SECRETS, `{"secrets":{"K":${DEEP_OBJECT_100}}}`, { status: 400 }),
  vault(
    'NUL in expectedVersions',
    'POST',
    SECRETS,
    { secrets: { K: 'v' }, expectedVersions: { K: NUL } },
    { status: 400 },
  ),
  // Branch names (body and query string)
  vault(
    'NUL in the branch of a write',
    'POST',
    SECRETS,
    { secrets: { K: 'v' }, branch: NUL },
    { status: 400, mentions: 'branch' },
  ),
  vault(
    'path traversal as the branch of a write',
    'POST',
    SECRETS,
    { secrets: { K: 'v' }, branch: TRAVERSAL },
    {
      status: 400,
    },
  ),
  vault('NUL in ?branch', 'GET', `${SECRETS}?branch=%00`, undefined, { status: 400, mentions: 'branch' }),
  vault('invalid UTF-8 in ?branch', 'GET', `${SECRETS}?branch=%FF%FE`, undefined, { status: 400, mentions: 'branch' }),
  vault('path traversal in ?branch', 'GET', `${SECRETS}?branch=${ENCODED_TRAVERSAL}`, undefined, { status: 400 }),
  vault('NUL in ?includeVersions', 'GET', `${SECRETS}?includeVersions=%00`, undefined, { status: 400 }),
  ...stringField('vault', 'POST', '/api/branch', { projectId: '$PROJECT' }, 'name', { headers: PAT }).map((c) => ({
    ...c,
    name: c.name.replace('name', 'branch name'),
  })),
  vault(
    'path traversal as a branch name',
    'POST',
    '/api/branch',
    { projectId: '$PROJECT', name: TRAVERSAL },
    { status: 400 },
  ),
  vault(
    'NUL in a branch baseEnv',
    'POST',
    '/api/branch',
    { projectId: '$PROJECT', name: 'b1', baseEnv: NUL },
    {
      status: 400,
      mentions: 'baseEnv',
    },
  ),
  vault(
    'NUL in projectId of a branch',
    'POST',
    '/api/branch',
    { projectId: NUL, name: 'b2' },
    { status: [400, 404], mentions: 'projectId' },
  ),
  vault('NUL in ?name of a branch delete', 'DELETE', '/api/branch?projectId=$PROJECT&name=%00', undefined, {
    status: 400,
  }),
  vault('NUL in ?projectId of a branch list', 'GET', '/api/branch?projectId=%00', undefined, { status: [400, 404] }),
  // Path parameters
  vault('%00 as the environment', 'GET', '/api/projects/$PROJECT/envs/%00/secrets', undefined, { status: 400 }),
  vault(
    'path traversal as the environment',
    'GET',
    `/api/projects/$PROJECT/envs/${ENCODED_TRAVERSAL}/secrets`,
    undefined,
    {
      status: [400, 404],
    },
  ),
  vault(
    'an encoded lone surrogate as the environment',
    'GET',
    '/api/projects/$PROJECT/envs/%ED%A0%80/secrets',
    undefined,
    {
      status: [400, 404],
    },
  ),
  vault('%00 as the secret key', 'GET', `${SECRETS}/%00`, undefined, { status: 400 }),
  vault('%FF%FE as the secret key', 'GET', `${SECRETS}/%FF%FE`, undefined, { status: [400, 404] }),
  vault('path traversal as the secret key', 'GET', `${SECRETS}/${ENCODED_TRAVERSAL}`, undefined, {
    status: [400, 404],
  }),
  vault('path traversal as the secret key (DELETE)', 'DELETE', `${SECRETS}/${ENCODED_TRAVERSAL}`, undefined, {
    status: [400, 404],
  }),
  vault('%00 as the project id', 'GET', '/api/projects/%00/envs/development/secrets', undefined, {
    status: [400, 404],
  }),
  vault('path traversal as the project id', 'GET', `/api/projects/${ENCODED_TRAVERSAL}`, undefined, {
    status: [400, 404],
  }),
  vault('a 600-character project id', 'GET', `/api/projects/${'a'.repeat(600)}`, undefined, {
    status: [400, 404, 414],
  }),
  vault('NUL in ?id of a project', 'GET', '/api/project?id=%00', undefined, { status: [400, 404] }),
  // Service accounts, keys, audit
  ...stringField('vault', 'POST', '/api/projects/$PROJECT/service-accounts', {}, 'name', {
    headers: PAT,
    huge: false,
  }).map((c) => ({
    ...c,
    name: c.name.replace('name', 'service-account name'),
  })),
  vault(
    'a 200 000-element permissions list',
    'POST',
    '/api/projects/$PROJECT/service-accounts',
    `{"name":"sa","permissions":${HUGE_ARRAY}}`,
    { status: 400 },
  ),
  vault('NUL in ?page of the audit', 'GET', '/api/audit?page=%00', undefined, { status: 400 }),
  vault('1e309 as ?pageSize of the audit', 'GET', '/api/audit?pageSize=1e309', undefined, { status: 400 }),
  vault('NUL in ?projectId of the audit', 'GET', '/api/audit?projectId=%00', undefined, { status: [400, 404] }),
  // Credentials
  ...badCredentials('vault', 'GET', '/api/project'),
  {
    surface: 'vault',
    name: 'X-API-Key with invalid UTF-8 bytes',
    method: 'GET',
    url: '/api/project',
    headers: { 'x-api-key': '\u00ff\u00fe' },
    expect: { status: [400, 401] },
  },
  {
    surface: 'vault',
    name: 'a 17 KB X-API-Key',
    method: 'GET',
    url: '/api/project',
    headers: { 'x-api-key': HUGE_AUTHORIZATION },
    expect: { status: [400, 401, 431] },
  },
];

// --- system routes (/healthz, /v1/version) and unknown routes ---------------------------------

const system = (
  name: string,
  method: HostileCase['method'],
  url: string,
  extra: Partial<HostileCase> = {},
): HostileCase => ({
  surface: 'system',
  name,
  method,
  url,
  expect: { status: [400, 404, 405] },
  ...extra,
});

const SYSTEM: HostileCase[] = [
  system('POST /healthz with objects nested 10 000 deep', 'POST', '/healthz', { body: DEEP_OBJECT_10K }),
  system('POST /v1/version with invalid UTF-8', 'POST', '/v1/version', { body: Buffer.from([0xff, 0xfe]) }),
  system('/healthz%00', 'GET', '/healthz%00'),
  system('/healthz/%FF%FE', 'GET', '/healthz/%FF%FE'),
  system(`/v1/version/${ENCODED_TRAVERSAL}`, 'GET', `/v1/version/${ENCODED_TRAVERSAL}`),
  system('an encoded lone surrogate as a path', 'GET', '/%ED%A0%80'),
  system('a malformed percent escape', 'GET', '/v1/%zz'),
  system('/healthz with a 17 KB header', 'GET', '/healthz', {
    headers: { 'x-padding': 'a'.repeat(17_000) },
    expect: { status: [400, 431] },
  }),
  system('/v1/version with a 20 KB query string', 'GET', `/v1/version?q=${'a'.repeat(20_000)}`, {
    expect: { status: [400, 414, 431] },
  }),
];

/** Every hostile HTTP request, by surface. */
export const HOSTILE_CORPUS: readonly HostileCase[] = [...AUTH, ...GRAPHQL, ...REST, ...VAULT, ...SYSTEM];

// --- the CLI (`pavise secrets`, against the real server) --------------------------------------

export interface HostileCliCase {
  name: string;
  /** The arguments after `pavise secrets`; $PROJECT is filled in. */
  args: string[];
  /** Piped to stdin (where `secrets set KEY` reads its value). */
  stdin?: string | Buffer;
}

/**
 * What the vault commands send on the user's behalf. NUL cannot be passed in an argument (the OS
 * refuses it), so it comes on stdin; a lone surrogate in an argument reaches the CLI as U+FFFD.
 * Each must end with exit code 1 and one line on stderr, never a 5xx, the database unchanged.
 */
export const HOSTILE_CLI_CORPUS: readonly HostileCliCase[] = [
  { name: 'set KEY with a NUL in the value on stdin', args: ['set', 'HOSTILE_STDIN_NUL'], stdin: `a${'\u0000'}b` },
  {
    name: 'set KEY with invalid UTF-8 bytes on stdin (must not be stored as U+FFFD)',
    args: ['set', 'HOSTILE_STDIN_UTF8'],
    stdin: Buffer.from([0x61, 0xff, 0xfe, 0x62]),
  },
  { name: 'set KEY with a 900 KB value on stdin', args: ['set', 'HOSTILE_STDIN_HUGE'], stdin: HUGE },
  { name: 'set a path-traversal key', args: ['set', `${TRAVERSAL}=v`] },
  { name: 'get a path-traversal key', args: ['get', TRAVERSAL] },
  { name: 'delete a path-traversal key', args: ['delete', TRAVERSAL] },
  { name: 'history of a percent-encoded traversal key', args: ['history', ENCODED_TRAVERSAL] },
  { name: 'list with a path-traversal --env', args: ['list', '--env', TRAVERSAL] },
  { name: 'list with a path-traversal --branch', args: ['list', '--branch', TRAVERSAL] },
  { name: 'list with a path-traversal --project', args: ['list', '--project', TRAVERSAL] },
  { name: 'set with a lone surrogate in the key', args: ['set', 'K\ud800=v'] },
];
