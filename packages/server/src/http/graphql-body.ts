import { z } from 'zod';
import type { GraphQLRequest } from '../graphql/engine.js';

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

export const graphqlBody = z.unknown().transform((raw, context): GraphQLRequest | GraphQLRequest[] => {
  const batch = Array.isArray(raw);
  const requests: GraphQLRequest[] = [];
  for (const [index, item] of (batch ? raw : [raw]).entries()) {
    const parsed = graphqlRequest.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      // A missing key is reported at the object that lacks it, as Hasura does.
      const path = issue.message === MISSING_QUERY ? issue.path.slice(0, -1) : issue.path;
      context.addIssue({ code: 'custom', message: issue.message, path: batch ? [index, ...path] : path });
      return z.NEVER;
    }
    requests.push(parsed.data);
  }
  return batch ? requests : requests[0]!;
});

/** A path of the body in Hasura's notation: `$`, `$.variables`, `$[1].query`. */
export const hasuraPath = (path: readonly PropertyKey[]) =>
  `$${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
