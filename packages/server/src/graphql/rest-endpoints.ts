import { type DocumentNode, Kind, type OperationDefinitionNode, parse, type TypeNode, validate } from 'graphql';
import { checkJson, UnsafeInputError } from '../input/json.js';
import type { GraphQLEngine, Session } from './engine.js';
import { ADMIN_ROLE } from './model.js';

export type RestMethod = 'GET' | 'POST';

/** A named GraphQL operation served at /api/rest/<name> (Hasura's "RESTified endpoint"). */
export interface RestEndpoint {
  /** The URL segment after /api/rest/, matched exactly (case included). */
  name: string;
  methods: RestMethod[];
  /** A GraphQL document with exactly one operation and nothing else. */
  query: string;
}

/** One call as the HTTP layer hands it over. */
export interface RestCall {
  /** The path after /api/rest/ (may contain further slashes; then it matches nothing). */
  path: string;
  method: string;
  /** The parsed query string: one value per key, or several for a repeated key. */
  query: Record<string, string | string[] | undefined>;
  /** The raw request body, or undefined when none was sent. */
  body: string | undefined;
}

export interface RestResult {
  status: number;
  /** JSON text: the GraphQL response, or a REST error. */
  body: string;
  headers: Record<string, string>;
}

/**
 * A failure of the REST layer itself (no such endpoint, wrong method, bad variables). Hasura
 * reports these in its non-GraphQL shape, {"path","error","code"}, with a 4xx status.
 */
class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResult(): RestResult {
    return {
      status: this.status,
      body: JSON.stringify({ path: '$', error: this.message, code: this.code }),
      headers: this.headers,
    };
  }
}

interface Prepared {
  endpoint: RestEndpoint;
  /** Declared variables by name: what query-string values are coerced to. */
  variables: Map<string, TypeNode>;
}

// What Hasura turns a query-string value into, by the variable's declared type; anything else
// stays a string and GraphQL's own coercion judges it (so uuid, String, timestamptz work as is).
const BOOLEAN_TYPES = new Set(['Boolean', 'Bool']);
const NUMBER_TYPES = new Set(['Int', 'Float', 'Number', 'Double', 'float8', 'numeric']);
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** The endpoints of one server: validated once at start-up, then run per request. */
export class RestEndpoints {
  private readonly byName = new Map<string, Prepared>();

  constructor(
    private readonly engine: Pick<GraphQLEngine, 'execute' | 'schemaFor'>,
    endpoints: readonly RestEndpoint[],
    /** The deepest JSON body accepted (Config.maxJsonDepth). */
    private readonly maxJsonDepth = 64,
  ) {
    for (const endpoint of endpoints) {
      if (this.byName.has(endpoint.name)) throw new Error(`REST endpoint "${endpoint.name}" is defined twice`);
      this.byName.set(endpoint.name, this.prepare(endpoint));
    }
  }

  /** Runs one call. GraphQL errors are part of a 200 response, as on /v1/graphql. */
  async run(call: RestCall, session: Session): Promise<RestResult> {
    try {
      const prepared = this.byName.get(call.path);
      if (!prepared) throw new RestError(404, 'not-found', 'Endpoint not found');
      const { endpoint } = prepared;
      if (!(endpoint.methods as string[]).includes(call.method)) {
        const allowed = endpoint.methods.join(', ');
        throw new RestError(405, 'method-not-allowed', `Allowed methods: ${allowed}`, { allow: allowed });
      }
      const variables = this.variables(prepared, call);
      return {
        status: 200,
        body: await this.engine.execute({ query: endpoint.query, variables }, session),
        headers: {},
      };
    } catch (error) {
      if (error instanceof RestError) return error.toResult();
      throw error;
    }
  }

  private prepare(endpoint: RestEndpoint): Prepared {
    const where = `REST endpoint "${endpoint.name}"`;
    // One path segment of unreserved URL characters: what a client can type without encoding.
    if (!/^[A-Za-z0-9._~-]+$/.test(endpoint.name))
      throw new Error(`${where}: the name must be one URL path segment ([A-Za-z0-9._~-])`);
    if (endpoint.methods.length === 0) throw new Error(`${where}: no HTTP methods`);
    if (new Set(endpoint.methods).size !== endpoint.methods.length)
      throw new Error(`${where}: a method is listed twice`);
    let document: DocumentNode;
    try {
      document = parse(endpoint.query);
    } catch (error) {
      throw new Error(`${where}: the query does not parse: ${(error as Error).message}`);
    }
    // Hasura runs only a stored document made of a single operation (no fragments).
    const [operation, ...rest] = document.definitions;
    if (!operation || rest.length > 0 || operation.kind !== Kind.OPERATION_DEFINITION) {
      throw new Error(`${where}: the query must contain exactly one operation and nothing else`);
    }
    if (operation.operation === 'subscription') throw new Error(`${where}: subscriptions cannot be REST endpoints`);
    // A GET that changes data would run on a link prefetch or an <img> tag.
    if (operation.operation === 'mutation' && endpoint.methods.includes('GET'))
      throw new Error(`${where}: a mutation cannot be served by GET`);
    // Checked against the admin schema (a superset of every role's), so a typo fails the start,
    // not the first request; a role that cannot see a field still gets Hasura's error per request.
    const errors = validate(this.engine.schemaFor(ADMIN_ROLE).schema, document);
    if (errors.length > 0)
      throw new Error(`${where}: the query is not valid: ${errors.map((e) => e.message).join('; ')}`);
    return { endpoint, variables: declaredVariables(operation) };
  }

  /**
   * The operation's variables, Hasura's way: query-string values coerced by declared type, then
   * (POST) the body's JSON values as they are. A name the operation does not declare is refused;
   * a declared one left out is simply absent (null, or the operation's default).
   */
  private variables({ variables: declared }: Prepared, call: RestCall): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const accept = (name: string) => {
      if (!declared.has(name)) throw new RestError(400, 'bad-request', `Unexpected variable ${name}`);
      return declared.get(name)!;
    };
    for (const [name, raw] of Object.entries(call.query)) {
      if (raw === undefined || !GRAPHQL_NAME.test(name)) continue;
      // A repeated key: the last value, as Hasura keeps.
      const value = Array.isArray(raw) ? raw[raw.length - 1]! : raw;
      const coerced = coerceQueryValue(name, accept(name), value);
      if (coerced !== undefined) result[name] = coerced;
    }
    if (call.method !== 'GET') {
      for (const [name, value] of Object.entries(bodyVariables(call.body, this.maxJsonDepth))) {
        if (GRAPHQL_NAME.test(name)) {
          accept(name);
          result[name] = value;
        }
      }
    }
    return result;
  }
}

function declaredVariables(operation: OperationDefinitionNode): Map<string, TypeNode> {
  return new Map(
    (operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition.type]),
  );
}

/** A query-string value as Hasura passes it on; undefined leaves the variable out. */
function coerceQueryValue(name: string, type: TypeNode, raw: string): unknown {
  const nullable = type.kind !== Kind.NON_NULL_TYPE;
  const inner = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
  if (inner.kind === Kind.LIST_TYPE) {
    throw new RestError(
      400,
      'bad-request',
      `List variables are not currently supported in URL or Query parameters. (Variable ${name}, with value ${JSON.stringify(raw)})`,
    );
  }
  const typeName = inner.name.value;
  if (raw === '' && BOOLEAN_TYPES.has(typeName)) return true; // ?flag on its own means true
  if (raw === '' && nullable) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (typeof parsed === 'boolean' && BOOLEAN_TYPES.has(typeName)) return parsed;
  if (typeof parsed === 'number' && NUMBER_TYPES.has(typeName)) return parsed;
  // Everything else, JSON-looking or not, is the literal string: "123" for a String stays "123".
  return raw;
}

/** A POST body: nothing, or a JSON object whose keys are variable names. */
function bodyVariables(body: string | undefined, maxDepth: number): Record<string, unknown> {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RestError(400, 'invalid-json', 'The request body is not valid JSON');
  }
  try {
    checkJson(parsed, maxDepth);
  } catch (error) {
    if (error instanceof UnsafeInputError) throw new RestError(400, 'validation-failed', error.message);
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RestError(400, 'bad-request', 'The request body must be a JSON object of variables');
  }
  return parsed as Record<string, unknown>;
}
