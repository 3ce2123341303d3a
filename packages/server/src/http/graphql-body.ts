import { z } from 'zod';
import type { GraphQLRequest } from '../graphql/engine.js';
import { jsonLengthExceeds } from '../input/json.js';

/**
 * The body of POST /v1/graphql: one GraphQL request, or a batch (a JSON array of them), with
 * Hasura's messages for a malformed one. A batch is checked whole before anything runs.
 */
const MISSING_QUERY = "the key 'query' was not present";
const graphqlRequest = z.looseObject(
  {
    query: z.string({
      error: (issue) => (issue.input === undefined ? MISSING_QUERY : 'parsing Text failed, expected String'),
    }),
    variables: z.record(z.string(), z.unknown(), { error: 'variables must be an object' }).nullish(),
    // Hasura ignores an operationName that is not a string.
    operationName: z
      .unknown()
      .optional()
      .transform((name) => (typeof name === 'string' ? name : undefined)),
  },
  { error: MISSING_QUERY },
);

/** What one request may carry (Config.graphqlRequests). */
export interface GraphQLRequestLimits {
  maxQueryBytes: number;
  maxVariablesBytes: number;
  maxBatch: number;
}

/**
 * A refused request: too large a document, variables or batch. Unlike a malformed body (200, as
 * Hasura answers), a 400: the request was refused for its size, not understood and failed.
 */
export class GraphQLRequestTooLarge extends Error {
  override name = 'GraphQLRequestTooLarge';
  constructor(
    message: string,
    readonly path: readonly PropertyKey[],
  ) {
    super(message);
  }
}

export function graphqlBody(limits: GraphQLRequestLimits) {
  return z.unknown().transform((raw, context): GraphQLRequest | GraphQLRequest[] => {
    const batch = Array.isArray(raw);
    if (batch && raw.length > limits.maxBatch)
      throw new GraphQLRequestTooLarge(
        `a batch may hold at most ${limits.maxBatch} queries (the server's limit); this one holds ${raw.length}`,
        [],
      );
    const requests: GraphQLRequest[] = [];
    for (const [index, item] of (batch ? raw : [raw]).entries()) {
      const parsed = graphqlRequest.safeParse(item);
      const at = (path: readonly PropertyKey[]) => (batch ? [index, ...path] : [...path]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        // A missing key is reported at the object that lacks it, as Hasura does.
        const path = issue.message === MISSING_QUERY ? issue.path.slice(0, -1) : issue.path;
        context.addIssue({ code: 'custom', message: issue.message, path: at(path) });
        return z.NEVER;
      }
      const { query, variables } = parsed.data;
      if (Buffer.byteLength(query) > limits.maxQueryBytes)
        throw new GraphQLRequestTooLarge(
          `the query is larger than ${limits.maxQueryBytes} bytes (the server's limit)`,
          at(['query']),
        );
      if (variables && jsonLengthExceeds(variables, limits.maxVariablesBytes))
        throw new GraphQLRequestTooLarge(
          `the variables are larger than ${limits.maxVariablesBytes} characters as JSON (the server's limit)`,
          at(['variables']),
        );
      requests.push(parsed.data);
    }
    return batch ? requests : requests[0]!;
  });
}

/** A path of the body in Hasura's notation: `$`, `$.variables`, `$[1].query`. */
export const hasuraPath = (path: readonly PropertyKey[]) =>
  `$${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
