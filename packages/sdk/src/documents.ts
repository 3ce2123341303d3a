/**
 * GraphQL documents as the client accepts them: a string, or a typed document node (what
 * graphql-codegen and gql produce), without depending on graphql-js unless a node without its
 * source text is passed.
 */

/** A document whose result and variables types travel with it (compatible with @graphql-typed-document-node/core). */
// biome-ignore lint/suspicious/noExplicitAny: the defaults of @graphql-typed-document-node/core, for compatibility
export interface TypedDocumentNode<Result = Record<string, any>, Variables = Record<string, any>> {
  readonly kind: string;
  readonly definitions: readonly {
    readonly kind: string;
    readonly operation?: string;
    readonly name?: { readonly value: string };
  }[];
  readonly loc?: { readonly source: { readonly body: string } };
  /** Phantom: carries the types, never set at run time. */
  readonly __apiType?: (variables: Variables) => Result;
}

export type DocumentInput<Result, Variables> = string | TypedDocumentNode<Result, Variables>;

export interface PreparedDocument {
  query: string;
  /** True unless the document is certainly not a mutation; decides what may be retried. */
  mayBeMutation: boolean;
}

export async function prepareDocument(
  document: DocumentInput<unknown, unknown>,
  operationName?: string,
): Promise<PreparedDocument> {
  if (typeof document === 'string' || document instanceof String) {
    const query = String(document);
    return { query, mayBeMutation: mentionsMutation(query) };
  }
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  const operation = operationName ? operations.find((d) => d.name?.value === operationName) : operations[0];
  const mayBeMutation = operation ? operation.operation === 'mutation' : true;
  if (document.loc?.source.body) return { query: document.loc.source.body, mayBeMutation };
  // A node without its source (graphql-codegen's precompiled documents): print it with
  // graphql-js, which every project that builds such nodes has installed.
  const { print } = await import('graphql');
  return { query: print(document as never), mayBeMutation };
}

/**
 * Whether a document's text may hold a mutation: the word `mutation` outside comments and
 * strings. A field named "mutation" makes this answer yes, which only costs a retry.
 */
export function mentionsMutation(query: string): boolean {
  const code = query.replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*/g, ' ');
  return /(^|[^_0-9A-Za-z])mutation([^_0-9A-Za-z]|$)/.test(code);
}

/** The operation in a JSON request body ({query, operationName}), for requests sent through client.fetch. */
export function bodyMayBeMutation(body: string | undefined): boolean {
  if (body === undefined || body === '') return false;
  try {
    const parsed = JSON.parse(body) as unknown;
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    return requests.some(
      (request) =>
        typeof (request as { query?: unknown })?.query !== 'string' ||
        mentionsMutation((request as { query: string }).query),
    );
  } catch {
    return true; // unknown content: assume the worst
  }
}
